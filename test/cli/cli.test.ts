import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND, runCli } from '../../src/cli/program.js';
import { KIND } from '../../src/domain/records.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { parseInstant } from '../../src/domain/time.js';
import { recurrenceDelivery, recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A store with one recurrence plan (two unresolved routes, one suppressed) and two failed slack deliveries. */
function seededStore(): { dir: string; json: string; sqlite: string } {
  const dir = tempDir();
  const evidence = join(dir, '.cavra', 'evidence');
  mkdirSync(evidence, { recursive: true });
  const json = join(evidence, 'metadata.json');
  const sqlite = join(evidence, 'metadata.db');
  writeFileSync(json, '[]'); // as the seed's templates seed it
  const store = openEvidenceStore({ metadataJson: json, sqlite }, parseInstant('2026-12-01T08:00:00Z')!);
  store.write([
    recurrencePlanRecord('erslaescrp-1111111111111111', '2026-12-01T08:00:00+00:00', [
      route('payments', 'slack', 'deliver'),
      route('payments', 'jira', 'wait', 'recurrence interval 60 minutes has not elapsed'),
      route('identity', 'teams', 'suppress', 'maximum recurrence count 3 reached')
    ]),
    recurrenceDelivery('rcd-a-000000000001', 'erslaescrp-1111111111111111', '2026-12-01T08:10:00+00:00', ['slack'], ['slack'], { slack: 500 }),
    recurrenceDelivery('rcd-a-000000000002', 'erslaescrp-1111111111111111', '2026-12-01T08:40:00+00:00', ['slack'], ['slack'], { slack: 503 })
  ]);
  store.close();
  return { dir, json, sqlite };
}

const SEED_WORKER = (json: string, sqlite: string) => [
  'release',
  COMMAND.worker,
  '--metadata-json',
  json,
  '--sqlite',
  sqlite,
  '--schedule-interval-minutes',
  '30',
  '--dry-run',
  '--json'
];

describe('the worker pass command', () => {
  test("the seed's own invocation works verbatim and records the pass in both stores", async () => {
    const { json, sqlite } = seededStore();
    // 09:20: the second slack failure (08:40) waited 30 min (15 × 2^(2−1)), so it is eligible from 09:10.
    const run = await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:20:00Z']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out);
    expect(Object.keys(result)).toEqual(['run', 'metadata', 'retry_metadata', 'trend_metadata', 'owner_digests', 'indexed_metadata_stores']);
    expect(result.run.dry_run).toBe(true);
    expect(result.run.status).toBe('succeeded');
    expect(result.run.schedule).toEqual({
      interval_minutes: 30,
      window_start: '2026-12-01T09:00:00+00:00',
      window_end: '2026-12-01T09:30:00+00:00',
      enabled: true
    });
    expect(result.run.summary).toEqual({
      recurrence_plan_count: 1,
      retry_plan_count: 1,
      retryable_count: 1,
      waiting_retry_count: 0,
      suppressed_retry_count: 0,
      owner_digest_count: 1,
      owner_digest_route_count: 2,
      suppression_event_count: 2,
      follow_up_action_count: 4
    });
    const decision = result.run.retry_plan.retry_decisions[0];
    expect([decision.action, decision.retry_count, decision.retry_delay_minutes, decision.next_retry_at]).toEqual([
      'retry',
      2,
      30,
      '2026-12-01T09:10:00+00:00'
    ]);
    expect(result.owner_digests[0].skipped).toBe('dry_run');
    expect(result.indexed_metadata_stores).toEqual([json, sqlite].sort());

    const store = openEvidenceStore({ metadataJson: json, sqlite }, parseInstant('2026-12-01T09:20:00Z')!);
    for (const kind of [KIND.retryPlan, KIND.suppressionTrend, KIND.ownerDigest, KIND.automationRun]) {
      expect(store.newestOfKind(kind)?.metadata_kind).toBe(kind);
    }
    expect(store.newestOfKind(KIND.automationRun)?.session_id).toBe(result.run.run_id);
    store.close();
    expect(JSON.parse(readFileSync(json, 'utf8')).items).toHaveLength(3 + 4);
  });

  test('re-running in the same window overwrites the run record; the next window adds one', async () => {
    const { json, sqlite } = seededStore();
    const first = JSON.parse((await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:01:00Z'])).out);
    const again = JSON.parse((await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:29:59Z'])).out);
    const next = JSON.parse((await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:30:00Z'])).out);
    expect(again.run.run_id).toBe(first.run.run_id);
    expect(next.run.run_id).not.toBe(first.run.run_id);
    const history = JSON.parse((await cli(['release', COMMAND.history, '--metadata-json', json, '--sqlite', sqlite, '--json'])).out);
    expect(history.total).toBe(2);
    expect(history.items.map((r: { session_id: string }) => r.session_id)).toEqual([next.run.run_id, first.run.run_id]);
  });

  test('--execute without --config records digests as skipped connector_config_not_configured', async () => {
    const { json, sqlite } = seededStore();
    const run = await cli(['release', COMMAND.worker, '--metadata-json', json, '--sqlite', sqlite, '--execute', '--json', '--now', '2026-12-01T09:20:00Z']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out);
    expect(result.run.dry_run).toBe(false);
    expect(result.metadata.dry_run).toBe(false);
    expect(result.owner_digests.map((d: { skipped: string }) => d.skipped)).toEqual(['connector_config_not_configured']);
  });

  test('without --json it prints a short summary that points at what to look at', async () => {
    const { json, sqlite } = seededStore();
    const run = await cli(['release', COMMAND.worker, '--metadata-json', json, '--sqlite', sqlite, '--schedule-interval-minutes', '30', '--now', '2026-12-01T09:20:00Z']);
    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual([
      expect.stringMatching(/^Recurrence automation run erslaescauto-[0-9a-f]{16} \(dry run, succeeded\)$/),
      '  window      2026-12-01T09:00:00+00:00 to 2026-12-01T09:30:00+00:00 (every 30 min)',
      '  retry plan  1 retryable, 0 waiting, 0 suppressed',
      '  digests     1 owner digest, 2 unresolved routes (not sent: dry_run)',
      '  trend       2 suppression events: maximum_recurrence 1, recurrence_interval_wait 1',
      '  follow-ups  4',
      `  indexed     ${[json, sqlite].sort().join(', ')}`,
      'Look at: recurrence deliveries eligible for retry',
      '  - slack for erslaescrp-1111111111111111 (2 failed so far)'
    ]);
  });
});

describe('health, history and dashboard', () => {
  test("the seed's health invocation reports on the store", async () => {
    const { json, sqlite } = seededStore();
    await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:20:00Z']);
    const run = await cli([
      'release',
      COMMAND.health,
      '--metadata-json',
      json,
      '--sqlite',
      sqlite,
      '--expected-interval-minutes',
      '30',
      '--stale-metadata-minutes',
      '120',
      '--json',
      '--now',
      '2026-12-01T10:21:00Z'
    ]);
    expect(run.code).toBe(0);
    const health = JSON.parse(run.out);
    // The run was at 09:20; 61 minutes later is past 2 × 30: floor(61 / 30) − 1 = 1 missed window.
    // The recurrence plan (08:00) is 141 minutes old, past the 120-minute threshold; the other stages ran at 09:20.
    expect([health.alert_level, health.missed_run_count, health.latest_run_age_minutes, health.fingerprint]).toEqual([
      'critical',
      1,
      61,
      'critical|missed_run,stale_metadata'
    ]);
    expect(health.stale_metadata).toEqual([
      { kind: 'recurrence_plan', metadata_kind: KIND.recurrencePlan, state: 'stale', age_minutes: 141, latest_id: 'erslaescrp-1111111111111111' }
    ]);
  });

  test('history filters by mode; dashboard sums the lookback', async () => {
    const { json, sqlite } = seededStore();
    await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:20:00Z']);
    await cli(['release', COMMAND.worker, '--metadata-json', json, '--sqlite', sqlite, '--execute', '--now', '2026-12-01T09:21:00Z']);
    const executed = JSON.parse((await cli(['release', COMMAND.history, '--metadata-json', json, '--sqlite', sqlite, '--no-dry-run', '--json'])).out);
    const dry = JSON.parse((await cli(['release', COMMAND.history, '--metadata-json', json, '--sqlite', sqlite, '--dry-run', '--json'])).out);
    expect([executed.total, dry.total]).toEqual([1, 1]);
    const dashboard = JSON.parse((await cli(['release', COMMAND.dashboard, '--metadata-json', json, '--sqlite', sqlite, '--json', '--now', '2026-12-01T09:30:00Z'])).out);
    expect([dashboard.run_count, dashboard.dry_run_count, dashboard.executed_count, dashboard.retryable_count, dashboard.alert_level]).toEqual([2, 1, 1, 2, 'critical']);
  });
});

describe('replay', () => {
  test('health as of an earlier --now ignores the runs recorded after it', async () => {
    const { json, sqlite } = seededStore();
    await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T09:00:00Z']);
    await cli([...SEED_WORKER(json, sqlite), '--now', '2026-12-01T12:00:00Z']);
    const health = JSON.parse((await cli(['release', COMMAND.health, '--metadata-json', json, '--sqlite', sqlite, '--json', '--now', '2026-12-01T10:30:00Z'])).out);
    // As of 10:30 the 12:00 run does not exist: the 09:00 run is 90 minutes old, floor(90 / 30) − 1 = 2 missed.
    expect([health.latest_run_at, health.latest_run_age_minutes, health.missed_run_count, health.run_count]).toEqual(['2026-12-01T09:00:00+00:00', 90, 2, 1]);
    const history = JSON.parse((await cli(['release', COMMAND.history, '--metadata-json', json, '--sqlite', sqlite, '--json', '--now', '2026-12-01T10:30:00Z'])).out);
    expect([history.total, history.items[0].created_at]).toEqual([1, '2026-12-01T09:00:00+00:00']);
  });
});

describe('bad input: one clear line, a non-zero exit, the store untouched', () => {
  function snapshot(paths: string[]): (string | null)[] {
    return paths.map((p) => (existsSync(p) ? readFileSync(p, 'latin1') : null));
  }

  test.each([
    ['an unknown flag', ['--bogus'], 2, "cavra: unknown option '--bogus'"],
    ['a bad --now', ['--now', 'yesterday'], 1, "cavra: --now: 'yesterday' is not an ISO-8601 instant (for example 2026-12-01T09:30:00Z)"],
    ['a bad interval', ['--schedule-interval-minutes', '0'], 1, "cavra: option '--schedule-interval-minutes <n>' argument '0' is invalid. must be at least 1, got 0"],
    ['an unknown provider', ['--provider', 'pagerduty'], 1, "cavra: option '--provider <name>' argument 'pagerduty' is invalid. unknown provider 'pagerduty' (expected all or one of webhook, slack, teams, jira, servicenow)"],
    ['--dry-run with --execute', ['--dry-run', '--execute'], 2, "cavra: option '--dry-run' cannot be used with option '--execute'"],
    ['an interval over a day', ['--schedule-interval-minutes', '99999999999'], 1, "cavra: option '--schedule-interval-minutes <n>' argument '99999999999' is invalid. must be at most 1440, got 99999999999"],
    ['too many retries', ['--retries', '1000000'], 1, "cavra: option '--retries <n>' argument '1000000' is invalid. must be at most 10, got 1000000"]
  ])('%s', async (_, extra, code, message) => {
    const { json, sqlite } = seededStore();
    const before = snapshot([json, sqlite]);
    const run = await cli(['release', COMMAND.worker, '--metadata-json', json, '--sqlite', sqlite, ...extra]);
    expect([run.code, run.err, run.out]).toEqual([code, message, '']);
    expect(snapshot([json, sqlite])).toEqual(before);
  });

  test('a bad CAVRA_NOW names the variable', async () => {
    const { json, sqlite } = seededStore();
    const run = await cli(['release', COMMAND.health, '--metadata-json', json, '--sqlite', sqlite], { CAVRA_NOW: '2026-13-01' });
    expect([run.code, run.err]).toEqual([1, "cavra: CAVRA_NOW: '2026-13-01' is not an ISO-8601 instant (for example 2026-12-01T09:30:00Z)"]);
  });

  test.each([
    ['malformed JSON', '{"items": [}', /^cavra: .*metadata\.json: invalid JSON \(.+\)$/],
    ['a wrong shape', '{"items": {"session_id": "x"}}', /^cavra: .*metadata\.json: expected \{"items": \[\.\.\.\]\} or a JSON array of metadata records$/],
    ['a record without session_id', '{"items": [{"metadata_kind": "endpoint-remediation-sla-escalation-recurrence-plan"}]}', /^cavra: .*metadata\.json: items\[0\] has no session_id$/]
  ])('a metadata file with %s', async (_, content, message) => {
    const dir = tempDir();
    const json = join(dir, 'metadata.json');
    const sqlite = join(dir, 'metadata.db');
    writeFileSync(json, content);
    for (const command of [COMMAND.worker, COMMAND.health, COMMAND.history, COMMAND.dashboard, COMMAND.retryPlan, COMMAND.trends]) {
      const run = await cli(['release', command, '--metadata-json', json, '--sqlite', sqlite, '--now', '2026-12-01T09:20:00Z']);
      expect(run.code).toBe(1);
      expect(run.err.split('\n')).toHaveLength(1);
      expect(run.err).toMatch(message);
    }
    expect(readFileSync(json, 'utf8')).toBe(content);
    expect(existsSync(sqlite)).toBe(false);
  });

  test('an unreadable metadata path (a folder) names the file', async () => {
    const dir = tempDir();
    const run = await cli(['release', COMMAND.worker, '--metadata-json', dir, '--sqlite', join(dir, 'm.db')]);
    expect([run.code, run.err]).toEqual([1, `cavra: ${dir}: cannot read the metadata file (EISDIR)`]);
  });

  test.each([
    ['a missing file', null, /^cavra: --retry-policy .*policy\.json: cannot read the file \(ENOENT\)$/],
    ['invalid JSON', '{"max_retry_attempts": }', /^cavra: --retry-policy .*policy\.json: invalid JSON \(.+\)$/],
    ['a list', '[1, 2]', /^cavra: --retry-policy .*policy\.json: expected an object at the top level$/],
    ['a wrong value type', '{"retry_delay_minutes": "soon"}', /^cavra: --retry-policy .*policy\.json: retry_delay_minutes invalid input: expected number, received string$/]
  ])('a retry policy with %s', async (_, content, message) => {
    const { json, sqlite } = seededStore();
    const policy = join(tempDir(), 'policy.json');
    if (content !== null) writeFileSync(policy, content);
    const before = snapshot([json, sqlite]);
    const run = await cli(['release', COMMAND.worker, '--metadata-json', json, '--sqlite', sqlite, '--retry-policy', policy]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
    expect(snapshot([json, sqlite])).toEqual(before);
  });

  test('a YAML retry policy is read with its aliases', async () => {
    const { json, sqlite } = seededStore();
    const policy = join(tempDir(), 'policy.yaml');
    writeFileSync(policy, 'max_retries: 2\ndelay_minutes: 10\nmultiplier: 3\n');
    const run = await cli(['release', COMMAND.retryPlan, '--metadata-json', json, '--sqlite', sqlite, '--retry-policy', policy, '--json', '--now', '2026-12-01T09:20:00Z']);
    const plan = JSON.parse(run.out).plan;
    // Two failures reach max_retries 2: suppressed; the delay would be 10 × 3^(2−1) = 30 minutes.
    expect([plan.max_retry_attempts, plan.base_retry_delay_minutes, plan.backoff_multiplier]).toEqual([2, 10, 3]);
    expect([plan.retry_decisions[0].action, plan.retry_decisions[0].reason, plan.retry_decisions[0].retry_delay_minutes]).toEqual([
      'suppress',
      'maximum retry attempts 2 reached',
      30
    ]);
  });

  test('history rejects a page size of 0 and an unknown command is a usage error', async () => {
    const { json, sqlite } = seededStore();
    const page = await cli(['release', COMMAND.history, '--metadata-json', json, '--sqlite', sqlite, '--limit', '0']);
    expect([page.code, page.err]).toEqual([1, "cavra: option '--limit <n>' argument '0' is invalid. must be at least 1, got 0"]);
    const unknown = await cli(['release', 'endpoint-remediation-sla-escalation-recurrence-automaton']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("cavra: unknown command 'endpoint-remediation-sla-escalation-recurrence-automaton'");
  });
});
