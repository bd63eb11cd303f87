import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

// examples/scripts/cavra-recurrence-run.sh, the pass the CronJob and the systemd unit run, run with
// POSIX sh against temp folders, with `cavra` on PATH being this checkout's bin/cavra.js (a tiny
// wrapper in a temp bin folder, as `npm install -g` would provide).

const SCRIPT = resolve('examples/scripts/cavra-recurrence-run.sh');
const KIND_RUN = 'endpoint-remediation-sla-escalation-recurrence-automation-run';

let bin: string;
beforeAll(() => {
  bin = tempDir('cavra-bin-');
  writeFileSync(join(bin, 'cavra'), `#!/bin/sh\nexec "${process.execPath}" "${resolve('bin/cavra.js')}" "$@"\n`);
  chmodSync(join(bin, 'cavra'), 0o755);
});

interface Paths {
  root: string;
  metadataJson: string;
  sqlite: string;
  output: string;
  alerts: string;
}

function paths(): Paths {
  const root = tempDir('cavra-state-');
  return {
    root,
    metadataJson: join(root, 'evidence/metadata.json'),
    sqlite: join(root, 'evidence/metadata.db'),
    output: join(root, 'release/endpoint-remediation-sla-escalation-recurrence-automation'),
    alerts: join(root, 'release/endpoint-remediation-sla-escalation-recurrence-automation-health-alerts')
  };
}

function environment(p: Paths, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    CAVRA_METADATA_JSON: p.metadataJson,
    CAVRA_METADATA_SQLITE: p.sqlite,
    CAVRA_OUTPUT_DIR: p.output,
    CAVRA_HEALTH_ALERT_OUTPUT_DIR: p.alerts,
    CAVRA_CONNECTOR_CONFIG: join(p.root, 'no-such-connectors.json'),
    CAVRA_GENERATED_BY: 'kubernetes:cronjob/cavra-recurrence-automation',
    ...extra
  };
}

function run(p: Paths, extra: Record<string, string> = {}, args: string[] = []) {
  const result = spawnSync('sh', [SCRIPT, ...args], { encoding: 'utf8', env: environment(p, extra) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Async, so an in-process HTTP receiver can answer while the script runs. */
function runAsync(p: Paths, extra: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('sh', [SCRIPT], { env: environment(p, extra) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const runsIn = (file: string) => (json(file).items as { metadata_kind: string; session_id: string }[]).filter((r) => r.metadata_kind === KIND_RUN);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('cavra-recurrence-run', () => {
  test('dry run end to end: seeds the object-form store, health as found, the pass, the dashboard', () => {
    const p = paths();
    const first = run(p, { CAVRA_NOW: '2026-12-01T09:07:00Z' });
    expect([first.status, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toContain(`cavra-recurrence-run: seeded an empty evidence store at ${p.metadataJson}`);
    expect(first.stdout).toContain('cavra-recurrence-run: dry-run pass, provider all, every 30 min, as kubernetes:cronjob/cavra-recurrence-automation');
    // Nothing had run before: health as found is critical (never ran), and says so.
    expect(first.stdout).toContain('cavra-recurrence-run: health as found: critical|missed_run,stale_metadata;');
    expect(first.stdout).toMatch(/^Recurrence automation dashboard \(last 168 h\): HEALTHY, because no run planned retries, digests or suppressions\n {2}runs {9}1 \(1 dry-run, 0 executed/m);

    const store = json(p.metadataJson);
    expect(Object.keys(store)).toEqual(['items']);
    const [runRecord] = runsIn(p.metadataJson);
    expect(runRecord).toMatchObject({ signer: 'kubernetes:cronjob/cavra-recurrence-automation' });
    expect(existsSync(p.sqlite)).toBe(true);
    const pass = json(join(p.output, 'automation-run.json'));
    expect(pass.run).toMatchObject({ dry_run: true, status: 'succeeded', generated_by: 'kubernetes:cronjob/cavra-recurrence-automation' });
    expect(pass.run.schedule).toMatchObject({ interval_minutes: 30, window_start: '2026-12-01T09:00:00+00:00' });
    expect(json(join(p.output, 'health.json'))).toMatchObject({ alert_level: 'critical', missed_run_count: 1, expected_interval_minutes: 30, stale_metadata_minutes: 120 });
    expect(existsSync(join(p.output, 'health-alert.json'))).toBe(false);
    expect(filesUnder(p.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // The next window: the store is kept (not re-seeded), and health as found no longer misses a run.
    const second = run(p, { CAVRA_NOW: '2026-12-01T09:37:00Z' });
    expect([second.status, second.stderr]).toEqual([0, '']);
    expect(second.stdout).not.toContain('seeded');
    expect(second.stdout).toContain('health as found: warning|stale_metadata;');
    expect(runsIn(p.metadataJson).map((r) => r.session_id)).toContain(runRecord!.session_id);
    expect(runsIn(p.metadataJson)).toHaveLength(2);
  });

  test('execute mode without the connector configuration fails clearly and writes nothing', () => {
    const p = paths();
    const result = run(p, { CAVRA_RECURRENCE_EXECUTE: 'true' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cavra-recurrence-run: execute mode (CAVRA_RECURRENCE_EXECUTE=true) needs the connector configuration ${join(p.root, 'no-such-connectors.json')}, which is missing or unreadable; nothing was run. Provide it (CAVRA_CONNECTOR_CONFIG) or set CAVRA_RECURRENCE_EXECUTE=false for a dry run.\n`
    );
    expect(readdirSync(p.root)).toEqual([]);
    // The same check is systemd's ExecStartPre.
    expect(run(p, { CAVRA_RECURRENCE_EXECUTE: 'true' }, ['prepare']).status).toBe(1);
    // A folder in place of the file is missing too.
    mkdirSync(join(p.root, 'connectors.json'));
    expect(run(p, { CAVRA_RECURRENCE_EXECUTE: 'true', CAVRA_CONNECTOR_CONFIG: join(p.root, 'connectors.json') }).stderr).toMatch(/missing or unreadable/);
  });

  test('anything but true or false for CAVRA_RECURRENCE_EXECUTE is refused, and so is an unknown step', () => {
    const p = paths();
    expect(run(p, { CAVRA_RECURRENCE_EXECUTE: 'yes' })).toEqual({
      status: 1,
      stdout: '',
      stderr: "cavra-recurrence-run: CAVRA_RECURRENCE_EXECUTE must be true or false, not 'yes'; nothing was run\n"
    });
    expect(run(p, {}, ['execute'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/unknown argument 'execute'/) });
    expect(readdirSync(p.root)).toEqual([]);
  });

  test('prepare only creates the folders and seeds the store; an existing store is left alone', () => {
    const p = paths();
    expect(run(p, {}, ['prepare'])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(p.metadataJson, 'utf8')).toBe('{"items": []}\n');
    expect(statSync(p.output).isDirectory() && statSync(p.alerts).isDirectory()).toBe(true);
    expect(existsSync(p.sqlite)).toBe(false);
    writeFileSync(p.metadataJson, '[]');
    expect(run(p, {}, ['prepare']).stdout).toBe('');
    expect(readFileSync(p.metadataJson, 'utf8')).toBe('[]');
  });

  test('a CLI error stops the run with the CLI’s one-line message', () => {
    const p = paths();
    const result = run(p, { CAVRA_RETRY_POLICY: join(p.root, 'no such policy.json') });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`cavra: --retry-policy ${join(p.root, 'no such policy.json')}: cannot read the file (ENOENT)\n`);
  });

  describe('execute mode with a connector', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver.close();
    });

    test('routes health as found to the connector, delivers the owner digest, keeps no secret; a later dry run is a dry run again', async () => {
      const p = paths();
      const config = join(p.root, 'connectors.json');
      mkdirSync(dirname(p.metadataJson), { recursive: true });
      writeFileSync(config, JSON.stringify({ connectors: { webhook: { url_env: 'CAVRA_CONNECTOR_WEBHOOK_URL' } } }));
      // CAVRA's upstream evidence: one recurrence plan with a route still to deliver.
      const plan = recurrencePlanRecord('erslaescr-0000000000000001', '2026-12-01T08:40:00.000000+00:00', [route('payments-platform', 'webhook', 'deliver')]);
      writeFileSync(p.metadataJson, JSON.stringify({ items: [plan] }));
      const secretPath = '/hooks/s3cr3t-path-0123456789';
      const result = await runAsync(p, {
        CAVRA_RECURRENCE_EXECUTE: 'true',
        CAVRA_RECURRENCE_PROVIDER: 'webhook',
        CAVRA_CONNECTOR_CONFIG: config,
        CAVRA_CONNECTOR_WEBHOOK_URL: `${receiver.url}${secretPath}`,
        CAVRA_NOW: '2026-12-01T09:07:00Z'
      });
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toContain('cavra-recurrence-run: execute pass, provider webhook');
      expect(result.stdout).toContain('health as found: critical|missed_run,stale_metadata; alert routing in');

      const alert = json(join(p.output, 'health-alert.json'));
      expect(alert.plan).toMatchObject({ alert_level: 'critical', selected_providers: ['webhook'] });
      expect(alert.plan.health_id).toMatch(/^erslah-[0-9a-f]{16}$/);
      const pass = json(join(p.output, 'automation-run.json'));
      expect(pass.run).toMatchObject({ dry_run: false, status: 'succeeded' });
      expect(pass.run.summary).toMatchObject({ owner_digest_count: 1 });
      // First the health alert (health as found), then the pass's owner digest.
      const bodies = receiver.at(secretPath).map((r) => JSON.parse(r.body));
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).toMatchObject({ health_id: alert.plan.health_id });
      expect(bodies[1]).toMatchObject({ digest_id: pass.owner_digests[0].event.digest_id });
      expect(existsSync(join(p.output, 'health.json'))).toBe(false);

      // The URL came from an environment variable: no file keeps its secret path.
      for (const file of filesUnder(p.root)) expect([file, readFileSync(file).includes('s3cr3t-path')]).toEqual([file, false]);

      // Back to dry run: nothing is sent, and the execute run's routing file gives way to the report.
      const dry = run(p, { CAVRA_NOW: '2026-12-01T09:37:00Z', CAVRA_CONNECTOR_WEBHOOK_URL: `${receiver.url}${secretPath}` });
      expect([dry.status, dry.stderr]).toEqual([0, '']);
      expect(receiver.at(secretPath)).toHaveLength(2);
      expect(existsSync(join(p.output, 'health-alert.json'))).toBe(false);
      expect(json(join(p.output, 'automation-run.json')).run).toMatchObject({ dry_run: true });
    });
  });
});
