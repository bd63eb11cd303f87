import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { INPUT_DEFAULTS } from '../../src/action/inputs.js';
import { parseGithubOutput } from '../../scripts/github-output.js';
import { parseInstant } from '../../src/domain/time.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { recurrenceDelivery, recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

// Runs the committed bundle as the runner does: `node dist/index.js` from a copy of the action
// with no node_modules beside it, inputs as INPUT_* variables, the workspace as working directory.

let actionDir: string;

beforeAll(() => {
  actionDir = join(tempDir('cavra-action-'), 'action');
  mkdirSync(actionDir);
  cpSync('dist', join(actionDir, 'dist'), { recursive: true });
  cpSync('action.yml', join(actionDir, 'action.yml'));
});

interface ActionRun {
  status: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

function runAction(workspace: string, inputs: Record<string, string>, env: Record<string, string> = {}): ActionRun {
  const runnerTemp = tempDir('cavra-runner-');
  const outputFile = join(runnerTemp, 'output.txt');
  const summaryFile = join(runnerTemp, 'summary.md');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const result = spawnSync(process.execPath, [join(actionDir, 'dist', 'index.js')], {
    cwd: workspace,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_WORKFLOW: 'cavra-recurrence-automation',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      // No cache or artifact service here (test/e2e/action-state.test.ts runs against a stand-in of them).
      'INPUT_RESTORE-STATE': 'false',
      'INPUT_SAVE-STATE': 'false',
      ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
      ...env
    }
  });
  return { status: result.status, stdout: result.stdout + result.stderr, outputs: parseGithubOutput(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8') };
}


function seededWorkspace(): string {
  const workspace = tempDir('cavra-workspace-');
  const store = openEvidenceStore(
    { metadataJson: join(workspace, '.cavra/evidence/metadata.json'), sqlite: join(workspace, '.cavra/evidence/metadata.db') },
    parseInstant('2026-12-01T08:00:00Z')!
  );
  store.write([
    recurrencePlanRecord('erslaescrp-1111111111111111', '2026-12-01T08:00:00+00:00', [
      route('payments', 'slack', 'deliver'),
      route('identity', 'jira', 'suppress', 'owner review state resolved', {})
    ]),
    recurrenceDelivery('rcd-a-000000000001', 'erslaescrp-1111111111111111', '2026-12-01T08:10:00+00:00', ['slack'], ['slack'], { slack: 500 })
  ]);
  store.close();
  return workspace;
}

describe('the bundled action', () => {
  test('action.yml declares exactly the inputs the schema reads, with the same defaults', () => {
    const action = parseYaml(readFileSync('action.yml', 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    const declared = Object.fromEntries(Object.entries(action.inputs as Record<string, { default?: string }>).map(([name, spec]) => [name, spec.default ?? '']));
    // The runner fills github-token from the workflow; run elsewhere, the action has no token.
    expect(declared).toEqual({ ...INPUT_DEFAULTS, 'github-token': '${{ github.token }}' });
  });

  test('a dry-run pass sets outputs, writes the results and the job summary, and keeps its run id within the window', () => {
    const workspace = seededWorkspace();
    const first = runAction(workspace, {}, { CAVRA_NOW: '2026-12-01T08:40:00Z' });
    expect(first.status).toBe(0);
    expect(first.outputs['run-id']).toMatch(/^erslaescauto-[0-9a-f]{16}$/);
    expect(first.outputs).toEqual({
      'run-id': first.outputs['run-id'],
      status: 'succeeded',
      'dry-run': 'true',
      // health as found: no run yet, and no retry plan, digest or trend evidence
      'alert-level': 'critical',
      'health-fingerprint': 'critical|missed_run,stale_metadata',
      // one slack failure at 08:10, its 15-minute delay over at 08:25
      'retryable-count': '1',
      'owner-digest-count': '1',
      'suppression-event-count': '1',
      'missed-run-count': '1',
      'failed-job-count': '0',
      'result-path': '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation/automation-run.json',
      'health-id': '',
      'state-source': 'off',
      'state-saved': 'false',
      'artifact-id': ''
    });
    const result = JSON.parse(readFileSync(join(workspace, first.outputs['result-path']!), 'utf8'));
    expect(result.run.run_id).toBe(first.outputs['run-id']);
    const health = JSON.parse(readFileSync(join(workspace, '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation/health.json'), 'utf8'));
    expect(health.fingerprint).toBe('critical|missed_run,stale_metadata');
    expect(first.stdout).toContain('::warning::Recurrence automation health is critical: see the job summary.');
    expect(first.summary).toContain('## 🔴 CAVRA recurrence automation: critical');
    expect(first.summary).toContain('- **critical** `missed_run`: No recurrence automation run has been recorded.');
    expect(first.summary).toContain('**Mode:** dry run (the default): nothing was sent.');
    expect(first.summary).toContain('| retry | slack | `erslaescrp-1111111111111111` | 1 | 2026-12-01T08:25:00+00:00 |');
    expect(first.summary).toContain('| payments | 1 | 1 | `erslaescrp-1111111111111111` | dry_run |');
    expect(first.summary).toContain('  "owner_review" : 1');

    // 19 minutes after the first pass, in the same window: healthy, and the same run id.
    const again = runAction(workspace, {}, { CAVRA_NOW: '2026-12-01T08:59:00Z' });
    expect([again.outputs['run-id'], again.outputs['alert-level']]).toEqual([first.outputs['run-id'], 'healthy']);
    expect(again.summary).toContain('## 🟢 CAVRA recurrence automation: healthy');

    // 76 minutes later: floor(76 / 30) − 1 = 1 window missed, and the 08:00 recurrence plan is
    // 135 minutes old, past 120; a new window, a new run.
    const late = runAction(workspace, {}, { CAVRA_NOW: '2026-12-01T10:15:00Z' });
    expect([late.outputs['missed-run-count'], late.outputs['health-fingerprint']]).toEqual(['1', 'critical|missed_run,stale_metadata']);
    expect(late.outputs['run-id']).not.toBe(first.outputs['run-id']);
    expect(late.summary.match(/\| `erslaescauto-[0-9a-f]{16}` \| dry-run \| succeeded \|/g)).toHaveLength(2);
  });

  test('an acknowledgement given to the action is recorded in the evidence and named in the summary', () => {
    const workspace = seededWorkspace();
    const run = runAction(
      workspace,
      { 'acknowledge-health-id': 'erslah-0123456789abcdef', 'acknowledge-provider': 'slack' },
      { CAVRA_NOW: '2026-12-01T08:40:00Z', GITHUB_ACTOR: 'octo-operator', GITHUB_EVENT_NAME: 'workflow_dispatch' }
    );
    expect(run.status).toBe(0);
    expect(run.outputs['acknowledgement-id']).toMatch(/^erslahack-[0-9a-f]{16}$/);
    expect(run.summary).toContain('**Acknowledgement recorded:** acknowledged of `erslah-0123456789abcdef` on slack by github:octo-operator.');
    const items = JSON.parse(readFileSync(join(workspace, '.cavra/evidence/metadata.json'), 'utf8')).items as { session_id: string; acknowledgement_state?: string }[];
    expect(items.find((r) => r.session_id === run.outputs['acknowledgement-id'])?.acknowledgement_state).toBe('acknowledged');
  });

  test('every input error is reported at once and nothing is written', () => {
    const workspace = tempDir('cavra-workspace-');
    const run = runAction(workspace, {
      'schedule-interval-minutes': 'soon',
      'lookback-hours': '0',
      'max-digest-plans': '30',
      execute: 'yes',
      provider: 'pagerduty',
      'acknowledge-health-id': 'erslah_123'
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      '::error::input execute: must be true or false%0A' +
        'input provider: must be all or a comma list of webhook, slack, teams, jira, servicenow%0A' +
        'input schedule-interval-minutes: must be a whole number%0A' +
        'input lookback-hours: must be at least 1%0A' +
        'input max-digest-plans: must be at most 25%0A' +
        'input acknowledge-health-id: must be a health id such as erslah-0123456789abcdef%0A' +
        'input acknowledge-provider: needed with acknowledge-health-id'
    );
    expect(run.outputs).toEqual({});
  });

  test('a corrupt evidence store fails the step with its name and is left as it was', () => {
    const workspace = tempDir('cavra-workspace-');
    mkdirSync(join(workspace, '.cavra/evidence'), { recursive: true });
    writeFileSync(join(workspace, '.cavra/evidence/metadata.json'), '{"items": [');
    const run = runAction(workspace, {}, { CAVRA_NOW: '2026-12-01T08:40:00Z' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error::\.cavra\/evidence\/metadata\.json: invalid JSON \(.+\)/);
    expect(readFileSync(join(workspace, '.cavra/evidence/metadata.json'), 'utf8')).toBe('{"items": [');
  });
});
