import { describe, expect, test } from '@jest/globals';
import { failedRun, planWorkerPass, scheduleWindow, withStatus, type WorkerPassInput } from '../../src/domain/automation-run.js';
import type { JsonObject } from '../../src/domain/records.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/retry-plan.js';
import { formatInstant } from '../../src/domain/time.js';
import { MINUTE, NOW, delivery, failedDelivery, recurrencePlanRecord, route } from './fixtures.js';

// Reference §3.1 and DESIGN.md "Worker pass": run id = hash of {window_start, generated_by, dry_run,
// recurrence plan ids, failed recurrence-delivery ids}; status succeeded / partial / failed.

const p1 = recurrencePlanRecord('erslaescrp-p1', -60, [
  route('k-a1', 'alice', 'slack', 'deliver'),
  route('k-b1', 'bob', 'jira', 'wait', { reason: 'recurrence interval 60 minutes has not elapsed' }),
  route('k-c1', 'carol', 'teams', 'suppress', { reason: 'maximum recurrence count 3 reached' })
]);

const HISTORY: JsonObject[] = [
  p1,
  // p1/slack: 1 failure at −20 → due at −5 → retry
  failedDelivery('rcd-p1-1', 'erslaescrp-p1', -20, ['slack']),
  // p0/teams: 3 failures → suppress (p0 has no recurrence plan record, so no digest)
  failedDelivery('rcd-p0-1', 'erslaescrp-p0', -300, ['teams']),
  failedDelivery('rcd-p0-2', 'erslaescrp-p0', -200, ['teams']),
  failedDelivery('rcd-p0-3', 'erslaescrp-p0', -100, ['teams'])
];

function input(overrides: Partial<WorkerPassInput> = {}): WorkerPassInput {
  return {
    history: HISTORY,
    now: NOW + 10 * MINUTE, // 12:10, inside the 12:00–12:30 window
    schedule: { intervalMinutes: 30, enabled: true },
    dryRun: true,
    generatedBy: 'release-manager',
    retryPolicy: DEFAULT_RETRY_POLICY,
    maxDigestPlans: 5,
    ...overrides
  };
}

function runId(overrides: Partial<WorkerPassInput> = {}): unknown {
  return planWorkerPass(input(overrides)).run.run_id;
}

describe('scheduleWindow', () => {
  test('30-minute window around 12:10 is 12:00–12:30; the interval is floored and at least 1', () => {
    expect(scheduleWindow(NOW + 10 * MINUTE, 30)).toEqual({ start: NOW, end: NOW + 30 * MINUTE });
    expect(scheduleWindow(NOW + 10 * MINUTE, 30.9)).toEqual({ start: NOW, end: NOW + 30 * MINUTE });
    // interval 0 → 1: the window of 12:10:30 is 12:10–12:11
    expect(scheduleWindow(NOW + 10.5 * MINUTE, 0)).toEqual({ start: NOW + 10 * MINUTE, end: NOW + 11 * MINUTE });
  });
});

describe('run id (idempotency key)', () => {
  test('equal for two instants in the same 30-minute window', () => {
    const first = runId({ now: NOW });
    expect(first).toMatch(/^erslaescauto-[0-9a-f]{16}$/);
    expect(runId({ now: NOW + 30 * MINUTE - 1 })).toBe(first); // 12:29:59.999999
    expect(runId({ now: NOW + 17 * MINUTE })).toBe(first);
  });

  test('different across windows', () => {
    expect(runId({ now: NOW + 30 * MINUTE })).not.toBe(runId({ now: NOW + 30 * MINUTE - 1 }));
    expect(runId({ now: NOW - 1 })).not.toBe(runId({ now: NOW }));
  });

  test('different for dry-run vs execute, and for another generated_by', () => {
    expect(runId({ dryRun: false })).not.toBe(runId({ dryRun: true }));
    expect(runId({ generatedBy: 'scheduler' })).not.toBe(runId());
  });

  test('different when the set of recurrence plans or failed recurrence deliveries changes', () => {
    const base = runId();
    const anotherPlan = recurrencePlanRecord('erslaescrp-p2', -5, []);
    expect(runId({ history: [...HISTORY, anotherPlan] })).not.toBe(base);
    expect(runId({ history: [...HISTORY, failedDelivery('rcd-p1-2', 'erslaescrp-p1', -1, ['slack'])] })).not.toBe(base);
  });

  test('independent of history order, and of records that are not inputs (a successful delivery)', () => {
    const base = runId();
    expect(runId({ history: [...HISTORY].reverse() })).toBe(base);
    expect(runId({ history: [...HISTORY, delivery('rcd-ok', 'erslaescrp-p1', -1, { providers: ['slack'], success: true })] })).toBe(base);
  });

  test('pinned material: empty history at 12:10, 30 min, release-manager, dry run', () => {
    // python3: m = json.dumps({"window_start": "2026-03-01T12:00:00+00:00", "generated_by": "release-manager",
    //   "dry_run": True, "recurrence_plan_ids": [], "failed_recurrence_delivery_ids": []}, sort_keys=True)
    //   hashlib.sha256(m.encode()).hexdigest()[:16] == 'dd11f197a168c8ee'
    expect(runId({ history: [] })).toBe('erslaescauto-dd11f197a168c8ee');
  });
});

describe('planWorkerPass', () => {
  test('run fields: status succeeded, schedule window, generated_at keeps the exact now', () => {
    const { run } = planWorkerPass(input({ now: NOW + 10 * MINUTE + 1 }));
    expect(run).toMatchObject({
      status: 'succeeded',
      dry_run: true,
      generated_by: 'release-manager',
      generated_at: '2026-03-01T12:10:00.000001+00:00',
      schedule: {
        interval_minutes: 30,
        window_start: '2026-03-01T12:00:00+00:00',
        window_end: '2026-03-01T12:30:00+00:00',
        enabled: true
      }
    });
    expect(run.error).toBeUndefined();
  });

  test('summary counts', () => {
    const { run } = planWorkerPass(input());
    expect(run.summary).toEqual({
      recurrence_plan_count: 1,
      retry_plan_count: 1,
      retryable_count: 1, // p1/slack
      waiting_retry_count: 0,
      suppressed_retry_count: 1, // p0/teams, 3 failures = max 3
      owner_digest_count: 1, // p1 (alice deliver + bob wait)
      owner_digest_route_count: 2,
      suppression_event_count: 2, // k-b1 wait + k-c1 suppress
      follow_up_action_count: 5 // 2 retry decisions + 1 digest + 2 trend rows
    });
  });

  test('follow-up actions: retry decisions, then digests, then trend rows', () => {
    const { run, digests } = planWorkerPass(input());
    const actions = run.follow_up_actions as JsonObject[];
    expect(actions.map((a) => [a.kind, a.action])).toEqual([
      ['recurrence_retry', 'suppress'], // erslaescrp-p0 sorts before erslaescrp-p1
      ['recurrence_retry', 'retry'],
      ['owner_digest', 'deliver'], // "deliver" even in dry-run
      ['suppression_trend', 'review'],
      ['suppression_trend', 'review']
    ]);
    expect(actions[1]).toEqual({
      kind: 'recurrence_retry',
      action: 'retry',
      recurrence_plan_id: 'erslaescrp-p1',
      provider: 'slack',
      reason: 'failed recurrence delivery is eligible for retry',
      next_retry_at: formatInstant(NOW - 5 * MINUTE),
      delivery_id: 'rcd-p1-1'
    });
    expect(actions[2]).toEqual({
      kind: 'owner_digest',
      action: 'deliver',
      digest_id: digests[0]!.digest_id,
      recurrence_plan_id: 'erslaescrp-p1',
      owner_count: 2,
      unresolved_route_count: 2
    });
    expect(actions.slice(3).map((a) => [a.category, a.owner, a.provider])).toEqual([
      ['recurrence_interval_wait', 'bob', 'jira'],
      ['maximum_recurrence', 'carol', 'teams']
    ]);
  });

  test('trend follow-ups stop at 25 rows', () => {
    const busy = recurrencePlanRecord(
      'erslaescrp-busy',
      -5,
      Array.from({ length: 30 }, (_, i) => route(`k-${String(i).padStart(2, '0')}`, 'dave', 'slack', 'suppress'))
    );
    const { run } = planWorkerPass(input({ history: [busy] }));
    const actions = run.follow_up_actions as JsonObject[];
    expect(actions.filter((a) => a.kind === 'suppression_trend')).toHaveLength(25);
    expect(run.summary).toMatchObject({ suppression_event_count: 30, follow_up_action_count: 25, owner_digest_count: 0 });
  });

  test('digests: newest max_digest_plans plans, clamped to at least 1; plans without unresolved routes dropped', () => {
    const plans = [-30, -20, -10].map((m, i) => recurrencePlanRecord(`erslaescrp-n${i}`, m, [route(`k${i}`, 'alice', 'slack', 'deliver')]));
    const quiet = recurrencePlanRecord('erslaescrp-quiet', -1, [route('kq', 'alice', 'slack', 'suppress')]);
    const ids = (max: number, history: JsonObject[]) =>
      planWorkerPass(input({ history, maxDigestPlans: max })).digests.map((d) => d.recurrence_plan_id);
    expect(ids(2, plans)).toEqual(['erslaescrp-n2', 'erslaescrp-n1']);
    expect(ids(3, plans)).toEqual(['erslaescrp-n2', 'erslaescrp-n1', 'erslaescrp-n0']);
    expect(ids(0, plans)).toEqual(['erslaescrp-n2']);
    // the quiet plan is the newest and takes a slot, but has no owners → dropped
    expect(ids(2, [...plans, quiet])).toEqual(['erslaescrp-n2']);
  });

  test('the run embeds the pass artifacts', () => {
    const pass = planWorkerPass(input());
    expect(pass.run.retry_plan).toBe(pass.retryPlan);
    expect(pass.run.suppression_trend).toBe(pass.trend);
    expect(pass.run.owner_digest_events).toBe(pass.digests);
  });
});

describe('failedRun / withStatus', () => {
  test('a failed pass records status failed, the error, zero counts', () => {
    const { history: _unused, ...rest } = input();
    const run = failedRun(rest, 'metadata.json is not valid JSON');
    expect(run).toMatchObject({
      status: 'failed',
      error: 'metadata.json is not valid JSON',
      dry_run: true,
      schedule: { window_start: '2026-03-01T12:00:00+00:00', window_end: '2026-03-01T12:30:00+00:00' }
    });
    expect(Object.values(run.summary as JsonObject).every((v) => v === 0)).toBe(true);
    expect(run.run_id).toMatch(/^erslaescauto-[0-9a-f]{16}$/);
    // a failure does not overwrite the window's successful run, and repeats in the window share an id
    expect(run.run_id).not.toBe(runId());
    expect(failedRun({ ...rest, now: NOW + 29 * MINUTE }, 'again').run_id).toBe(run.run_id);
  });

  test('withStatus copies the run with another status', () => {
    const { run } = planWorkerPass(input());
    const partial = withStatus(run, 'partial');
    expect(partial.status).toBe('partial');
    expect(partial.run_id).toBe(run.run_id);
    expect(run.status).toBe('succeeded');
  });
});
