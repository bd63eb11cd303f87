import { describe, expect, test } from '@jest/globals';
import {
  buildHealth,
  connectorFailureStreaks,
  failureStreak,
  healthFingerprint,
  isFailedRun,
  missedRunCount,
  normaliseThresholds,
  type HealthEvidence,
  type HealthThresholds
} from '../../src/domain/health.js';
import { KIND, type JsonObject } from '../../src/domain/records.js';
import { formatInstant } from '../../src/domain/time.js';
import { MINUTE, NOW, delivery, digestDelivery, iso, runRecord, stageRecord } from './fixtures.js';

// DESIGN.md "Health": E = expected interval (default 30), S = stale threshold (default 120, at least E).
//  missed_run_count: 1 with no run; 0 when the latest run is at most 2E minutes old; else floor(age/E) − 1.
//  failed_job_count: failed runs since the newest successful run.
//  connector_delivery_failure_count: per provider, failed owner-digest deliveries newer than its newest success, summed.
//  stale metadata as the reference, but a successful run is fresh evidence for the owner-digest stage.
//  fingerprint: alert level plus the sorted distinct alert categories.

const DEFAULT: HealthThresholds = { expectedIntervalMinutes: 30, staleMetadataMinutes: 120 };

function fresh(minutes = -10): Partial<Record<string, JsonObject>> {
  return {
    [KIND.recurrencePlan]: stageRecord(KIND.recurrencePlan, 'erslaescrp-1', minutes),
    [KIND.retryPlan]: stageRecord(KIND.retryPlan, 'erslaescrtry-1', minutes),
    [KIND.ownerDigest]: stageRecord(KIND.ownerDigest, 'erslaescdigest-1', minutes),
    [KIND.suppressionTrend]: stageRecord(KIND.suppressionTrend, 'erslaesctrend-1', minutes)
  };
}

function evidence(overrides: Partial<HealthEvidence> = {}): HealthEvidence {
  const recentRuns = overrides.recentRuns ?? [runRecord('run-1', -10, { status: 'succeeded' })];
  return { recentRuns, runCount: recentRuns.length, newestByKind: fresh(), digestDeliveries: [], ...overrides };
}

function health(overrides: Partial<HealthEvidence> = {}, thresholds = DEFAULT): JsonObject {
  return buildHealth(evidence(overrides), thresholds, NOW);
}

function categories(report: JsonObject): string[] {
  return (report.alerts as JsonObject[]).map((a) => String(a.category));
}

describe('missedRunCount (E = 30)', () => {
  test.each([
    [null, false, 1], // no run at all
    [0, true, 0],
    [60, true, 0], // exactly 2E
    [61, true, 1], // floor(61/30) − 1 = 2 − 1
    [89, true, 1], // floor(89/30) − 1 = 2 − 1
    [90, true, 2], // 3E: floor(90/30) − 1 = 3 − 1
    [300, true, 9], // floor(300/30) − 1 = 10 − 1
    [null, true, 0] // a future timestamp (age null) counts as just now
  ])('age %p, has run %p → %p', (age, hasRun, expected) => {
    expect(missedRunCount(age as number | null, hasRun as boolean, 30)).toBe(expected);
  });

  test('another interval: E = 60 → 0 up to 120, 1 at 121..179, 2 at 180', () => {
    expect(missedRunCount(120, true, 60)).toBe(0);
    expect(missedRunCount(121, true, 60)).toBe(1);
    expect(missedRunCount(179, true, 60)).toBe(1);
    expect(missedRunCount(180, true, 60)).toBe(2);
  });
});

describe('buildHealth: missed runs and latest run', () => {
  test('no runs: missed 1, nothing about a latest run, critical', () => {
    const report = health({ recentRuns: [], runCount: 0 });
    expect(report).toMatchObject({
      run_count: 0,
      missed_run_count: 1,
      latest_run_id: null,
      latest_run_at: null,
      latest_run_age_minutes: null,
      latest_run_status: null,
      alert_level: 'critical'
    });
    expect((report.alerts as JsonObject[])[0]).toEqual({
      severity: 'critical',
      category: 'missed_run',
      message: 'No recurrence automation run has been recorded.'
    });
  });

  test('latest run exactly 2E = 60 minutes old → 0 missed, healthy', () => {
    const report = health({ recentRuns: [runRecord('run-1', -60)] });
    expect(report).toMatchObject({ missed_run_count: 0, latest_run_age_minutes: 60, alert_level: 'healthy', alerts: [] });
  });

  test('60 min 59.999999 s is still 60 whole minutes → 0 missed', () => {
    const run = runRecord('run-1', 0);
    run.created_at = formatInstant(NOW - 61 * MINUTE + 1);
    expect(health({ recentRuns: [run] })).toMatchObject({ missed_run_count: 0, latest_run_age_minutes: 60 });
  });

  test('2E + 1 = 61 minutes → 1 missed, with the message', () => {
    const report = health({ recentRuns: [runRecord('run-1', -61)] });
    expect(report).toMatchObject({ missed_run_count: 1, latest_run_age_minutes: 61, latest_run_id: 'run-1', latest_run_at: iso(-61) });
    expect((report.alerts as JsonObject[])[0]).toEqual({
      severity: 'critical',
      category: 'missed_run',
      message: '1 scheduled run missed: the latest run is 61 minutes old (expected every 30 minutes).'
    });
  });

  test('3E = 90 minutes → 2 missed', () => {
    const report = health({ recentRuns: [runRecord('run-1', -90)] });
    expect(report.missed_run_count).toBe(2);
    expect((report.alerts as JsonObject[])[0]!.message).toBe(
      '2 scheduled runs missed: the latest run is 90 minutes old (expected every 30 minutes).'
    );
  });

  test('a run in the future: age null, not missed, latest_run_at still reported', () => {
    const report = health({ recentRuns: [runRecord('run-1', 5)] });
    expect(report).toMatchObject({ missed_run_count: 0, latest_run_age_minutes: null, latest_run_at: iso(5) });
  });

  test('E from the thresholds: E = 60 → 90 minutes is fine, missed_after_minutes 120', () => {
    const report = health({ recentRuns: [runRecord('run-1', -90)] }, { expectedIntervalMinutes: 60, staleMetadataMinutes: 240 });
    expect(report).toMatchObject({ missed_run_count: 0, expected_interval_minutes: 60, missed_after_minutes: 120, stale_metadata_minutes: 240 });
  });
});

describe('failed jobs: the failure streak since the newest successful run', () => {
  test('[failed, failed, succeeded, failed] newest first → 2', () => {
    const runs = [
      runRecord('r4', -10, { status: 'failed' }),
      runRecord('r3', -40, { status: 'failed' }),
      runRecord('r2', -70, { status: 'succeeded' }),
      runRecord('r1', -100, { status: 'failed' })
    ];
    expect(failureStreak(runs).map((r) => r.session_id)).toEqual(['r4', 'r3']);
    const report = health({ recentRuns: runs });
    expect(report).toMatchObject({ failed_job_count: 2, latest_run_status: 'failed', alert_level: 'critical' });
    expect((report.alerts as JsonObject[]).find((a) => a.category === 'failed_job')).toEqual({
      severity: 'critical',
      category: 'failed_job',
      message: '2 consecutive failed runs since the last successful run.'
    });
  });

  test('a newer success clears it → 0', () => {
    const runs = [runRecord('r2', -10, { status: 'succeeded' }), runRecord('r1', -40, { status: 'failed' })];
    expect(health({ recentRuns: runs })).toMatchObject({ failed_job_count: 0, alert_level: 'healthy' });
  });

  test('partial and status-less (seed) runs are not failures and end a streak', () => {
    expect(failureStreak([runRecord('r2', -10, { status: 'partial' }), runRecord('r1', -40, { status: 'failed' })])).toEqual([]);
    const seedRun = runRecord('r2', -10);
    expect(failureStreak([seedRun, runRecord('r1', -40, { status: 'failed' })])).toEqual([]);
    expect(health({ recentRuns: [seedRun] }).latest_run_status).toBe('succeeded');
  });

  test('error, timeout, cancelled and any case count as failed; the envelope status is read too', () => {
    for (const status of ['failed', 'error', 'timeout', 'cancelled', 'FAILED', 'Timeout']) {
      expect(isFailedRun(runRecord('r', -1, { status }))).toBe(true);
      expect(isFailedRun(runRecord('r', -1, { status, envelopeOnly: true }))).toBe(true);
    }
    for (const status of ['succeeded', 'partial', '']) expect(isFailedRun(runRecord('r', -1, { status }))).toBe(false);
  });
});

describe('connector failures: per-provider streaks of owner-digest deliveries', () => {
  test('each provider counts its failures newer than its own newest success; summed', () => {
    const deliveries = [
      digestDelivery('e1', -5, ['slack'], ['slack']),
      digestDelivery('e2', -10, ['teams'], ['teams']),
      digestDelivery('e3', -15, ['slack'], []), // slack success: clears slack only
      digestDelivery('e4', -20, ['slack'], ['slack']), // older than slack's success → not counted
      digestDelivery('e5', -25, ['teams'], ['teams'])
    ];
    // slack: e1 = 1; teams: e2 + e5 = 2; total 3
    expect(connectorFailureStreaks(deliveries).byProvider).toEqual({ slack: 1, teams: 2 });
    const report = health({ digestDeliveries: deliveries });
    expect(report).toMatchObject({
      connector_delivery_failure_count: 3,
      connector_delivery_failures_by_provider: { slack: 1, teams: 2 },
      alert_level: 'critical'
    });
    expect((report.failed_deliveries as JsonObject[]).map((d) => d.session_id)).toEqual(['e1', 'e2', 'e5']);
    expect((report.alerts as JsonObject[]).find((a) => a.category === 'connector_failure')!.message).toBe(
      "3 owner-digest deliveries failed since each provider's last success (slack 1, teams 2)."
    );
  });

  test('a mixed batch is a success for the providers that did not fail', () => {
    const deliveries = [
      digestDelivery('m1', -5, ['slack', 'teams'], ['teams']),
      digestDelivery('m2', -10, ['slack'], ['slack']),
      digestDelivery('m3', -15, ['teams'], ['teams'])
    ];
    // slack cleared by m1; teams: m1 + m3 = 2
    expect(connectorFailureStreaks(deliveries).byProvider).toEqual({ teams: 2 });
  });

  test('a failed delivery without failed_providers fails all its providers', () => {
    const record = delivery('f1', 'erslaescdigest-f1', -5, { providers: ['jira', 'webhook'], failed: [], success: false });
    expect(connectorFailureStreaks([record]).byProvider).toEqual({ jira: 1, webhook: 1 });
  });

  test('a newest success for every provider → 0, no alert', () => {
    const deliveries = [digestDelivery('ok', -1, ['slack'], []), digestDelivery('old', -30, ['slack'], ['slack'])];
    const report = health({ digestDeliveries: deliveries });
    expect(report).toMatchObject({ connector_delivery_failure_count: 0, failed_deliveries: [], alert_level: 'healthy' });
  });
});

describe('stale metadata (S = 120)', () => {
  test('just below / at the threshold is fresh; 1 minute above is stale', () => {
    expect(health({ newestByKind: fresh(-120) })).toMatchObject({ stale_metadata_count: 0, stale_metadata: [] });
    const report = health({ newestByKind: fresh(-121) });
    // owner_digest is freshened by the successful run at −10; the other three are 121 minutes old
    expect(report.stale_metadata).toEqual([
      { kind: 'recurrence_plan', metadata_kind: KIND.recurrencePlan, state: 'stale', age_minutes: 121, latest_id: 'erslaescrp-1' },
      { kind: 'retry_plan', metadata_kind: KIND.retryPlan, state: 'stale', age_minutes: 121, latest_id: 'erslaescrtry-1' },
      { kind: 'suppression_trend', metadata_kind: KIND.suppressionTrend, state: 'stale', age_minutes: 121, latest_id: 'erslaesctrend-1' }
    ]);
    expect(report).toMatchObject({ stale_metadata_count: 3, alert_level: 'warning', fingerprint: 'warning|stale_metadata' });
    expect((report.alerts as JsonObject[])[0]!.message).toBe('The newest recurrence plan evidence is 121 minutes old (threshold 120).');
  });

  test('missing kinds are reported missing with age null', () => {
    const report = health({ newestByKind: {} });
    expect(report.stale_metadata).toEqual([
      { kind: 'recurrence_plan', metadata_kind: KIND.recurrencePlan, state: 'missing', age_minutes: null },
      { kind: 'retry_plan', metadata_kind: KIND.retryPlan, state: 'missing', age_minutes: null },
      { kind: 'suppression_trend', metadata_kind: KIND.suppressionTrend, state: 'missing', age_minutes: null }
    ]);
    expect((report.alerts as JsonObject[]).map((a) => a.message)).toEqual([
      'No recurrence plan evidence has been recorded.',
      'No retry plan evidence has been recorded.',
      'No suppression trend evidence has been recorded.'
    ]);
  });

  test('owner digest: a successful run vouches for a quiet system; a failed one does not', () => {
    const noDigest = { ...fresh(), [KIND.ownerDigest]: undefined };
    expect(health({ newestByKind: noDigest }).stale_metadata).toEqual([]);
    const onlyFailed = health({ newestByKind: noDigest, recentRuns: [runRecord('run-f', -10, { status: 'failed' })] });
    expect(onlyFailed.stale_metadata).toEqual([{ kind: 'owner_digest', metadata_kind: KIND.ownerDigest, state: 'missing', age_minutes: null }]);
  });

  test('owner digest: an old digest is freshened by a newer successful run, not by a newer failed run', () => {
    const oldDigest = { ...fresh(), [KIND.ownerDigest]: stageRecord(KIND.ownerDigest, 'erslaescdigest-old', -200) };
    expect(health({ newestByKind: oldDigest }).stale_metadata).toEqual([]);
    const failedLatest = health({
      newestByKind: oldDigest,
      recentRuns: [runRecord('run-f', -10, { status: 'failed' }), runRecord('run-s', -300, { status: 'succeeded' })]
    });
    expect(failedLatest.stale_metadata).toEqual([
      { kind: 'owner_digest', metadata_kind: KIND.ownerDigest, state: 'stale', age_minutes: 200, latest_id: 'erslaescdigest-old' }
    ]);
  });
});

describe('normaliseThresholds', () => {
  test('defaults: E 30, S 120 (= 4E)', () => {
    expect(normaliseThresholds(undefined, undefined)).toEqual({ expectedIntervalMinutes: 30, staleMetadataMinutes: 120 });
    expect(normaliseThresholds(0, 0)).toEqual({ expectedIntervalMinutes: 30, staleMetadataMinutes: 120 });
  });

  test('S is at least E: one below, equal, one above', () => {
    expect(normaliseThresholds(60, 59)).toEqual({ expectedIntervalMinutes: 60, staleMetadataMinutes: 60 });
    expect(normaliseThresholds(60, 60)).toEqual({ expectedIntervalMinutes: 60, staleMetadataMinutes: 60 });
    expect(normaliseThresholds(60, 61)).toEqual({ expectedIntervalMinutes: 60, staleMetadataMinutes: 61 });
  });

  test('reference fallback: S omitted → 4E; fractions floored', () => {
    // reference §3.6: stale = max(expected, value or expected × 4)
    expect(normaliseThresholds(60, undefined)).toEqual({ expectedIntervalMinutes: 60, staleMetadataMinutes: 240 });
    expect(normaliseThresholds(45.9, 100.7)).toEqual({ expectedIntervalMinutes: 45, staleMetadataMinutes: 100 });
  });
});

describe('alerts, alert level and fingerprint', () => {
  test('order: missed_run, failed_job, connector_failure, stale_metadata, disabled_schedule', () => {
    const report = health({
      recentRuns: [runRecord('run-1', -100, { status: 'failed', enabled: false })],
      newestByKind: {},
      digestDeliveries: [digestDelivery('e1', -5, ['slack'], ['slack'])]
    });
    expect(categories(report)).toEqual([
      'missed_run', // floor(100/30) − 1 = 2
      'failed_job',
      'connector_failure',
      'stale_metadata', // recurrence_plan
      'stale_metadata', // retry_plan
      'stale_metadata', // owner_digest (no successful run)
      'stale_metadata', // suppression_trend
      'disabled_schedule'
    ]);
    expect((report.alerts as JsonObject[]).map((a) => a.severity)).toEqual([
      'critical',
      'critical',
      'critical',
      'warning',
      'warning',
      'warning',
      'warning',
      'warning'
    ]);
    expect(report).toMatchObject({
      missed_run_count: 2,
      failed_job_count: 1,
      connector_delivery_failure_count: 1,
      stale_metadata_count: 4,
      disabled_schedule_count: 1,
      alert_level: 'critical',
      fingerprint: 'critical|connector_failure,disabled_schedule,failed_job,missed_run,stale_metadata'
    });
  });

  test('warnings only → warning; nothing → healthy with "healthy|"', () => {
    const disabled = health({ recentRuns: [runRecord('run-1', -10, { enabled: false })] });
    expect(disabled).toMatchObject({ alert_level: 'warning', fingerprint: 'warning|disabled_schedule', disabled_schedule_count: 1 });
    const fine = health();
    expect(fine).toMatchObject({ alert_level: 'healthy', fingerprint: 'healthy|', alerts: [], generated_at: '2026-03-01T12:00:00+00:00' });
  });

  test('healthFingerprint: distinct categories, sorted', () => {
    const alerts = [{ category: 'stale_metadata' }, { category: 'missed_run' }, { category: 'stale_metadata' }];
    expect(healthFingerprint('critical', alerts)).toBe('critical|missed_run,stale_metadata');
    expect(healthFingerprint('healthy', [])).toBe('healthy|');
  });

  test('latest lists at most 10 runs; run_count comes from the evidence', () => {
    const runs = Array.from({ length: 12 }, (_, i) => runRecord(`run-${i}`, -i));
    const report = health({ recentRuns: runs, runCount: 40 });
    expect((report.latest as JsonObject[]).map((r) => r.session_id)).toEqual(runs.slice(0, 10).map((r) => r.session_id));
    expect(report.run_count).toBe(40);
  });
});
