import { KIND, artifactOf, compareText, createdAtOf, isObject, str, strings, truthy, type JsonObject } from './records.js';
import { formatInstant, wholeMinutesBetween, type Instant } from './time.js';

// The worker's own health (DESIGN.md "Health"): missed runs beyond one window of grace, the
// current failure streak, per-provider connector failure streaks, and stale stage evidence.

export const FAILED_RUN_STATUSES = new Set(['failed', 'error', 'timeout', 'cancelled']);

export const STAGES = [
  { stage: 'recurrence_plan', kind: KIND.recurrencePlan },
  { stage: 'retry_plan', kind: KIND.retryPlan },
  { stage: 'owner_digest', kind: KIND.ownerDigest },
  { stage: 'suppression_trend', kind: KIND.suppressionTrend }
] as const;

export type AlertLevel = 'healthy' | 'warning' | 'critical';

export interface HealthThresholds {
  expectedIntervalMinutes: number;
  staleMetadataMinutes: number;
}

export interface HealthEvidence {
  /** Runs newest first: the latest run, then older ones at least back to the newest non-failed run. */
  recentRuns: readonly JsonObject[];
  runCount: number;
  /** The newest record of each stage kind. */
  newestByKind: Partial<Record<string, JsonObject>>;
  /** Owner-digest connector deliveries, newest first, covering each provider's current streak. */
  digestDeliveries: readonly JsonObject[];
}

export function runStatus(run: JsonObject): string {
  return (str(artifactOf(run).status) || str(run.status)).toLowerCase();
}

export function isFailedRun(run: JsonObject): boolean {
  return FAILED_RUN_STATUSES.has(runStatus(run));
}

export function normaliseThresholds(expected: number | undefined, stale: number | undefined): HealthThresholds {
  const expectedIntervalMinutes = Math.max(1, Math.floor(expected || 30));
  return {
    expectedIntervalMinutes,
    staleMetadataMinutes: Math.max(expectedIntervalMinutes, Math.floor(stale || expectedIntervalMinutes * 4))
  };
}

/** 1 with no run; 0 within two intervals; else the windows that passed without a run beyond one of grace. */
export function missedRunCount(ageMinutes: number | null, hasRun: boolean, expected: number): number {
  if (!hasRun) return 1;
  const age = ageMinutes ?? 0; // a future timestamp counts as just now
  if (age <= 2 * expected) return 0;
  return Math.floor(age / expected) - 1;
}

/** Failed runs newer than the newest run that did not fail. */
export function failureStreak(runsNewestFirst: readonly JsonObject[]): JsonObject[] {
  const streak: JsonObject[] = [];
  for (const run of runsNewestFirst) {
    if (!isFailedRun(run)) break;
    streak.push(run);
  }
  return streak;
}

/** Per provider, failed owner-digest deliveries newer than that provider's newest success. */
export function connectorFailureStreaks(deliveriesNewestFirst: readonly JsonObject[]): {
  byProvider: Record<string, number>;
  failures: JsonObject[];
} {
  const byProvider: Record<string, number> = {};
  const cleared = new Set<string>();
  const failures: JsonObject[] = [];
  for (const record of deliveriesNewestFirst) {
    const providers = strings(record.providers);
    const failedProviders = strings(record.failed_providers);
    const failed = failedProviders.length > 0 ? failedProviders : truthy(record.delivery_success) ? [] : providers;
    let counted = false;
    for (const provider of new Set([...providers, ...failed])) {
      if (cleared.has(provider)) continue;
      if (failed.includes(provider)) {
        byProvider[provider] = (byProvider[provider] ?? 0) + 1;
        counted = true;
      } else {
        cleared.add(provider);
      }
    }
    if (counted) failures.push(record);
  }
  return { byProvider, failures };
}

export function buildHealth(evidence: HealthEvidence, thresholds: HealthThresholds, now: Instant): JsonObject {
  const { expectedIntervalMinutes: expected, staleMetadataMinutes: stale } = thresholds;
  const latest = evidence.recentRuns[0];
  const latestAt = latest ? createdAtOf(latest) : undefined;
  const latestAge = latestAt === undefined || latestAt > now ? null : wholeMinutesBetween(latestAt, now);
  const missed = missedRunCount(latestAge, latest !== undefined, expected);
  const streak = failureStreak(evidence.recentRuns);
  const disabled = evidence.recentRuns.filter((run) => {
    const schedule = artifactOf(run).schedule;
    return isObject(schedule) && schedule.enabled === false;
  }).length;
  const newestSuccess = evidence.recentRuns.find((run) => !isFailedRun(run));
  const staleEntries = staleMetadata(evidence.newestByKind, newestSuccess, stale, now);
  const connector = connectorFailureStreaks(evidence.digestDeliveries);
  const connectorFailures = Object.values(connector.byProvider).reduce((a, b) => a + b, 0);

  const alerts: JsonObject[] = [];
  if (missed > 0) {
    alerts.push({
      severity: 'critical',
      category: 'missed_run',
      message: latest
        ? `${missed} scheduled run${missed === 1 ? '' : 's'} missed: the latest run is ${latestAge} minutes old (expected every ${expected} minutes).`
        : 'No recurrence automation run has been recorded.'
    });
  }
  if (streak.length > 0) {
    alerts.push({
      severity: 'critical',
      category: 'failed_job',
      message: `${streak.length} consecutive failed run${streak.length === 1 ? '' : 's'} since the last successful run.`
    });
  }
  if (connectorFailures > 0) {
    const detail = Object.entries(connector.byProvider)
      .sort(([a], [b]) => compareText(a, b))
      .map(([provider, count]) => `${provider} ${count}`)
      .join(', ');
    alerts.push({
      severity: 'critical',
      category: 'connector_failure',
      message: `${connectorFailures} owner-digest deliveries failed since each provider's last success (${detail}).`
    });
  }
  for (const entry of staleEntries) {
    alerts.push({
      severity: 'warning',
      category: 'stale_metadata',
      message:
        entry.state === 'missing'
          ? `No ${str(entry.kind).replace(/_/g, ' ')} evidence has been recorded.`
          : `The newest ${str(entry.kind).replace(/_/g, ' ')} evidence is ${entry.age_minutes} minutes old (threshold ${stale}).`
    });
  }
  if (disabled > 0) {
    alerts.push({ severity: 'warning', category: 'disabled_schedule', message: `${disabled} recent run(s) reported a disabled schedule.` });
  }

  const level: AlertLevel = alerts.some((a) => a.severity === 'critical') ? 'critical' : alerts.length > 0 ? 'warning' : 'healthy';
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health.v1',
    product: 'CAVRA',
    generated_at: formatInstant(now),
    alert_level: level,
    fingerprint: healthFingerprint(level, alerts),
    expected_interval_minutes: expected,
    missed_after_minutes: 2 * expected,
    stale_metadata_minutes: stale,
    run_count: evidence.runCount,
    missed_run_count: missed,
    failed_job_count: streak.length,
    disabled_schedule_count: disabled,
    stale_metadata_count: staleEntries.length,
    connector_delivery_failure_count: connectorFailures,
    connector_delivery_failures_by_provider: connector.byProvider,
    latest_run_id: latest ? str(latest.session_id) || null : null,
    latest_run_at: latestAt === undefined ? null : formatInstant(latestAt),
    latest_run_age_minutes: latestAge,
    latest_run_status: latest ? runStatus(latest) || 'succeeded' : null,
    stale_metadata: staleEntries,
    failed_deliveries: connector.failures.slice(0, 10),
    alerts,
    recommendations: [
      'Verify the scheduler (GitHub Actions schedule, Kubernetes CronJob or systemd timer) is enabled and running every expected interval.',
      'Review the latest dry-run payload before enabling execute mode.',
      'Check connector delivery evidence for failed owner-digest deliveries.',
      'Refresh stale recurrence, retry, digest and suppression-trend metadata by running the worker.'
    ],
    latest: evidence.recentRuns.slice(0, 10) as JsonObject[]
  };
}

/** Alert level plus the sorted distinct alert categories: equal while the same problem persists. */
export function healthFingerprint(level: string, alerts: readonly JsonObject[]): string {
  const categories = [...new Set(alerts.map((a) => str(a.category)))].sort();
  return `${level}|${categories.join(',')}`;
}

function staleMetadata(
  newestByKind: Partial<Record<string, JsonObject>>,
  newestSuccessfulRun: JsonObject | undefined,
  staleMinutes: number,
  now: Instant
): JsonObject[] {
  const entries: JsonObject[] = [];
  for (const { stage, kind } of STAGES) {
    let newest = newestByKind[kind];
    let newestAt = newest ? createdAtOf(newest) : undefined;
    if (kind === KIND.ownerDigest && newestSuccessfulRun) {
      // A quiet system with nothing to digest is not missing evidence: a successful run vouches for it.
      const runAt = createdAtOf(newestSuccessfulRun);
      if (runAt !== undefined && (newestAt === undefined || runAt > newestAt)) {
        newest = newestSuccessfulRun;
        newestAt = runAt;
      }
    }
    if (!newest) {
      entries.push({ kind: stage, metadata_kind: kind, state: 'missing', age_minutes: null });
      continue;
    }
    const age = newestAt === undefined ? null : Math.max(0, wholeMinutesBetween(newestAt, now));
    if (age !== null && age > staleMinutes) {
      entries.push({ kind: stage, metadata_kind: kind, state: 'stale', age_minutes: age, latest_id: str(newest.session_id) });
    }
  }
  return entries;
}
