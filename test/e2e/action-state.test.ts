import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGithubOutput } from '../../scripts/github-output.js';
import { setEnv, startActionsService, type ActionsService } from '../helpers/actions-service.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { recurrenceDelivery, recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

// The committed bundle, run as the runner runs it (node dist/index.js, INPUT_* variables, the
// workspace as working directory), against a local stand-in of the Actions cache, artifact and
// REST services driven by the real @actions/cache and @actions/artifact packages inside the bundle.

const EVIDENCE = '.cavra/evidence';
const ARTIFACT = 'cavra-recurrence-automation-evidence';
let service: ActionsService;
let receiver: Receiver;
let actionDir: string;
let cache: typeof import('@actions/cache');

beforeAll(async () => {
  service = await startActionsService();
  cache = await import('@actions/cache');
  receiver = await startReceiver();
  actionDir = join(tempDir('cavra-action-'), 'action');
  mkdirSync(actionDir);
  cpSync('dist', join(actionDir, 'dist'), { recursive: true });
});

afterAll(async () => {
  await service.close();
  await receiver.close();
});

interface ActionRun {
  status: number | null;
  log: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** A fresh runner: an empty workspace unless one is given, as an ephemeral runner has. The child
 * runs asynchronously: the stand-in service answers from this very process. */
async function runAction(runId: number, options: { inputs?: Record<string, string>; event?: string; env?: Record<string, string>; workspace?: string; now: string }): Promise<ActionRun> {
  const workspace = options.workspace ?? tempDir('cavra-runner-ws-');
  const runnerTemp = tempDir('cavra-runner-temp-');
  const outputFile = join(runnerTemp, 'output');
  const summaryFile = join(runnerTemp, 'summary.md');
  const eventFile = join(runnerTemp, 'event.json');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  writeFileSync(eventFile, JSON.stringify({ inputs: options.inputs ?? {} }));
  const event = options.event ?? 'schedule';
  const inputs: Record<string, string> = { 'github-token': service.githubToken(), ...(options.inputs ?? {}) };
  const child = spawn(process.execPath, [join(actionDir, 'dist', 'index.js')], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '',
      ...service.runnerEnv({ runId, event, workspace, runnerTemp }),
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      CAVRA_NOW: options.now,
      ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
      ...(options.env ?? {})
    }
  });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const result = { status, stdout: log, stderr: '' };
  service.addRun({ id: runId, conclusion: result.status === 0 ? 'success' : 'failure', status: 'completed' });
  const outputs = parseGithubOutput(readFileSync(outputFile, 'utf8'));
  return { status: result.status, log: result.stdout + result.stderr, outputs, summary: readFileSync(summaryFile, 'utf8'), workspace };
}

function seedUpstream(workspace: string): void {
  mkdirSync(join(workspace, EVIDENCE), { recursive: true });
  const items = [
    recurrencePlanRecord('erslaescrp-1111111111111111', '2026-12-01T08:00:00+00:00', [route('payments', 'slack', 'deliver')]),
    recurrenceDelivery('rcd-a-000000000001', 'erslaescrp-1111111111111111', '2026-12-01T08:10:00+00:00', ['slack'], ['slack'], { slack: 500 })
  ];
  writeFileSync(join(workspace, EVIDENCE, 'metadata.json'), JSON.stringify({ items }));
}

const runRows = (summary: string) => summary.match(/\| `erslaescauto-[0-9a-f]{16}` \| (dry-run|execute) \|/g) ?? [];

describe('evidence across ephemeral runners', () => {
  test('first run starts empty; the next restores from the cache; after eviction from the earlier artifact', async () => {
    const first = await runAction(1001, { now: '2026-12-01T09:05:00Z' });
    expect(first.status).toBe(0);
    expect([first.outputs['state-source'], first.outputs['state-saved']]).toEqual(['empty', 'true']);
    expect(first.log).toContain('::warning::No earlier evidence was found (no cache entry and no earlier artifact)');
    expect(first.outputs['artifact-id']).toMatch(/^\d+$/);
    expect([...service.caches.keys()]).toContain('cavra-recurrence-evidence-cavra-1001-1');
    const artifact = service.artifacts.find((a) => a.runId === 1001)!;
    expect([artifact.name, String(artifact.id)]).toEqual([`${ARTIFACT}-1001-1`, first.outputs['artifact-id']]);
    expect(first.summary).toContain(`- Artifact: \`${ARTIFACT}-1001-1\` (id ${artifact.id}), holding the evidence store and the results.`);

    // A new runner: the cache brings the store back, so history holds both runs.
    const second = await runAction(1002, { now: '2026-12-01T09:35:00Z' });
    expect([second.status, second.outputs['state-source'], second.outputs['state-saved']]).toEqual([0, 'cache', 'true']);
    expect(second.summary).toContain('- Restored from: **cache** (cache key cavra-recurrence-evidence-cavra-1001-1).');
    expect(runRows(second.summary)).toHaveLength(2);
    // Health as found: the previous run 30 minutes ago, nothing missed.
    expect(second.outputs['missed-run-count']).toBe('0');

    // The cache is evicted: the newest earlier successful run's artifact brings it back.
    expect(service.evictCaches()).toBe(2);
    const third = await runAction(1003, { now: '2026-12-01T10:05:00Z' });
    expect([third.status, third.outputs['state-source']]).toEqual([0, 'artifact']);
    expect(third.summary).toContain(`- Restored from: **artifact** (artifact ${ARTIFACT}-1002-1 (id `);
    expect(runRows(third.summary)).toHaveLength(3);

    // The uploaded artifact holds the hidden evidence folder and the results.
    const uploaded = service.artifacts.find((a) => a.runId === 1003)!;
    expect(uploaded.bytes.includes(Buffer.from('.cavra/evidence/metadata.json'))).toBe(true);
    expect(uploaded.bytes.includes(Buffer.from('.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation/automation-run.json'))).toBe(true);
  });

  test('a refused cache save and a failed upload are warnings and outputs, and the run still succeeds', async () => {
    service.failNext.cacheWriteDenied = true;
    service.failNext.artifactUpload = true;
    const run = await runAction(1101, { now: '2026-12-01T09:05:00Z' });
    expect(run.status).toBe(0);
    expect([run.outputs['state-saved'], run.outputs['artifact-id']]).toEqual(['false', '']);
    expect(run.log).toContain('::warning::The evidence was not saved to the cache (key cavra-recurrence-evidence-cavra-1101-1)');
    expect(run.log).toMatch(/::warning::Uploading the evidence artifact cavra-recurrence-automation-evidence-1101-1 failed: .*403/);
    expect(run.summary).toContain('- Cache: **not saved**.');
    expect(run.summary).toContain('- Artifact: **not uploaded**.');
  });

  test('a corrupt store restored from the cache fails the step, names the file, and nothing is saved over it', async () => {
    // Another runner left a corrupt store in the cache: saved here with the real @actions/cache.
    const corrupt = tempDir('cavra-runner-ws-');
    mkdirSync(join(corrupt, EVIDENCE), { recursive: true });
    writeFileSync(join(corrupt, EVIDENCE, 'metadata.json'), '{"items": [ {"session_id": ');
    const restoreEnv = setEnv(service.runnerEnv({ runId: 1200, workspace: corrupt, runnerTemp: tempDir('cavra-runner-temp-') }));
    const cwd = process.cwd();
    process.chdir(corrupt);
    try {
      expect(await cache.saveCache([EVIDENCE], 'cavra-recurrence-evidence-cavra-1200-1')).toBeGreaterThan(0);
    } finally {
      process.chdir(cwd);
      restoreEnv();
    }
    const keys = [...service.caches.keys()];
    const run = await runAction(1201, { now: '2026-12-01T09:05:00Z' });
    expect(run.status).toBe(1);
    expect(run.outputs['state-source']).toBe('cache');
    expect(run.log).toMatch(/::error::\.cavra\/evidence\/metadata\.json: invalid JSON \(.+\)/);
    expect(readFileSync(join(run.workspace, EVIDENCE, 'metadata.json'), 'utf8')).toBe('{"items": [ {"session_id": ');
    expect([...service.caches.keys()]).toEqual(keys);
    expect(service.artifacts.some((a) => a.runId === 1201)).toBe(false);
    expect(run.summary).toContain('## 🔴 CAVRA recurrence automation: the pass failed');
    service.evictCaches('cavra-recurrence-evidence-cavra-1200');
  });
});

describe('evidence indexed earlier in the job', () => {
  test('joins the restored state instead of being overwritten by it', async () => {
    const seeded = await runAction(1401, { now: '2026-12-01T09:05:00Z' });
    expect(seeded.outputs['state-saved']).toBe('true');
    // The next runner: a CAVRA step indexes a recurrence plan and a failed delivery before the action.
    const workspace = tempDir('cavra-runner-ws-');
    seedUpstream(workspace);
    const run = await runAction(1402, { workspace, now: '2026-12-01T09:35:00Z' });
    expect([run.status, run.outputs['state-source']]).toEqual([0, 'cache']);
    expect(run.log).toContain('Merged 2 record(s) that were in the workspace before the restore.');
    expect([run.outputs['owner-digest-count'], run.outputs['retryable-count']]).toEqual(['1', '1']);
    expect(runRows(run.summary).length).toBeGreaterThanOrEqual(2);
  });
});

describe('execute gating', () => {
  const connectors = () => JSON.stringify({ connectors: { webhook: { url: `${receiver.url}/hook`, signing_secret_env: 'CAVRA_SIGNING' } } });

  test('execute: true on a schedule stays a dry run, warns, and sends nothing', async () => {
    const workspace = tempDir('cavra-runner-ws-');
    seedUpstream(workspace);
    receiver.requests.length = 0;
    const run = await runAction(1301, { workspace, now: '2026-12-01T09:05:00Z', inputs: { execute: 'true', connectors: connectors(), 'restore-state': 'false' }, env: { CAVRA_SIGNING: 'whsec_c2VjcmV0' } });
    expect([run.status, run.outputs['dry-run']]).toEqual([0, 'true']);
    expect(run.log).toContain("::warning::execute: true is honoured only on workflow_dispatch; this 'schedule' run stays a dry run and sends nothing.");
    expect(run.summary).toContain("**Mode:** dry run: execute was requested on a 'schedule' event, and only a manual workflow_dispatch may deliver.");
    expect(receiver.requests).toHaveLength(0);
  });

  test('execute on dispatch without connectors fails before anything is restored or sent', async () => {
    const run = await runAction(1302, { event: 'workflow_dispatch', now: '2026-12-01T09:05:00Z', inputs: { execute: 'true' } });
    expect(run.status).toBe(1);
    expect(run.log).toContain(
      '::error::input connectors: execute mode needs the connector configuration (for example connectors: ${{ secrets.CAVRA_CONNECTORS_JSON }}); nothing was sent'
    );
    expect(service.requests.filter((r) => r.kind === 'cache' || r.kind === 'artifact').length).toBeGreaterThan(0); // earlier tests
    expect(service.artifacts.some((a) => a.runId === 1302)).toBe(false);
    expect(run.outputs).toEqual({});
  });

  test('execute on dispatch with connectors delivers the digest and the health alert, and the secret is masked', async () => {
    const workspace = tempDir('cavra-runner-ws-');
    seedUpstream(workspace);
    receiver.requests.length = 0;
    const secret = 'whsec_c2VjcmV0LWNhbmFyeS1rZXk=';
    const run = await runAction(1303, {
      workspace,
      event: 'workflow_dispatch',
      // 150 minutes after the recurrence plan: its stage is stale, so health opens an alert episode.
      now: '2026-12-01T10:30:00Z',
      inputs: { execute: 'true', connectors: connectors(), 'restore-state': 'false', provider: 'webhook' },
      env: { CAVRA_SIGNING: secret }
    });
    expect(run.status).toBe(0);
    expect(run.outputs['dry-run']).toBe('false');
    expect(run.outputs['health-id']).toMatch(/^erslah-[0-9a-f]{16}$/);
    const kinds = receiver.at('/hook').map((r) => JSON.parse(r.body).event_type);
    expect(kinds).toEqual(['cavra.endpoint_remediation_sla.escalation_owner_digest', 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert']);
    expect(run.log).toContain(`::add-mask::${secret}`);
    expect(run.summary).toContain('**Mode:** executed: requested on a manual workflow_dispatch.');
    expect(run.summary).toMatch(/\| payments \| 1 \| 1 \| `erslaescrp-1111111111111111` \| webhook ✓ \|/);
    expect(run.summary).toContain(`Episode \`${run.outputs['health-id']}\``);
    for (const text of [run.summary, readFileSync(join(workspace, EVIDENCE, 'metadata.json'), 'utf8')]) expect(text).not.toContain(secret);
    expect(existsSync(join(workspace, '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation/health-alert.json'))).toBe(true);
  });

  test('connectors that are not valid JSON fail without echoing them', async () => {
    const run = await runAction(1304, { event: 'workflow_dispatch', now: '2026-12-01T09:05:00Z', inputs: { execute: 'true', connectors: '{"webhook": hooks-secret-text' } });
    expect(run.status).toBe(1);
    expect(run.log).toContain('::error::input connectors: not valid JSON\n');
    expect(run.log.replace(/::add-mask::.*\n/, '')).not.toContain('hooks-secret-text');
  });
});
