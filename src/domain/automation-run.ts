import { hashedId } from './ids.js';
import { buildOwnerDigest } from './owner-digest.js';
import { KIND, artifactOf, byNewest, kindOf, num, objects, str, CONTROLS_PUBLIC_SAFETY, type JsonObject } from './records.js';
import { buildRetryPlan, failedRecurrenceDeliveries, type RetryPolicy } from './retry-plan.js';
import { buildSuppressionTrend } from './suppression-trend.js';
import { addMinutes, floorToWindow, formatInstant, type Instant } from './time.js';

export type RunStatus = 'succeeded' | 'partial' | 'failed';

export interface Schedule {
  intervalMinutes: number;
  enabled: boolean;
}

export interface WorkerPassInput {
  /** Action history inside the lookback, any order. */
  history: readonly JsonObject[];
  now: Instant;
  schedule: Schedule;
  dryRun: boolean;
  generatedBy: string;
  retryPolicy: RetryPolicy;
  maxDigestPlans: number;
}

export interface WorkerPass {
  run: JsonObject;
  retryPlan: JsonObject;
  trend: JsonObject;
  /** Digests with at least one owner, newest recurrence plan first. */
  digests: JsonObject[];
}

const LATEST_TREND_ACTIONS = 25;

export function scheduleWindow(now: Instant, intervalMinutes: number): { start: Instant; end: Instant } {
  const interval = Math.max(1, Math.floor(intervalMinutes));
  const start = floorToWindow(now, interval);
  return { start, end: addMinutes(start, interval) };
}

/** One worker pass over the action history: retry plan, suppression trend, owner digests, run. */
export function planWorkerPass(input: WorkerPassInput): WorkerPass {
  const { history, now, generatedBy } = input;
  const retryPlan = buildRetryPlan({ history, policy: input.retryPolicy, now, generatedBy });
  const trend = buildSuppressionTrend({ history, now, generatedBy });
  const recurrencePlans = history.filter((r) => kindOf(r) === KIND.recurrencePlan).sort(byNewest);
  const digests = recurrencePlans
    .slice(0, clampDigestPlans(input.maxDigestPlans))
    .map((record) => buildOwnerDigest({ recurrencePlan: artifactOf(record), retryPlan, now, generatedBy }))
    .filter((digest) => num((digest.summary as JsonObject).owner_count) > 0);

  const inputs = {
    recurrence_plan_ids: recurrencePlans.map((r) => r.session_id as string).sort(),
    failed_recurrence_delivery_ids: failedRecurrenceDeliveries(history)
      .map((r) => str(r.session_id))
      .sort()
  };
  const followUps = followUpActions(retryPlan, digests, trend);
  const decisions = objects(retryPlan.retry_decisions);
  const count = (action: string) => decisions.filter((d) => d.action === action).length;
  const run = runArtifact(input, inputs, 'succeeded', {
    recurrence_plan_count: recurrencePlans.length,
    retry_plan_count: 1,
    retryable_count: count('retry'),
    waiting_retry_count: count('wait'),
    suppressed_retry_count: count('suppress'),
    owner_digest_count: digests.length,
    owner_digest_route_count: digests.reduce((sum, d) => sum + num((d.summary as JsonObject).unresolved_route_count), 0),
    suppression_event_count: num(trend.suppression_event_count),
    follow_up_action_count: followUps.length
  });
  Object.assign(run, { retry_plan: retryPlan, owner_digest_events: digests, suppression_trend: trend, follow_up_actions: followUps });
  return { run, retryPlan, trend, digests };
}

/** The run record of a pass that failed: health counts it, and `error` says why. */
export function failedRun(input: Omit<WorkerPassInput, 'history'>, error: string): JsonObject {
  const run = runArtifact(input, { failed: true }, 'failed', {
    recurrence_plan_count: 0,
    retry_plan_count: 0,
    retryable_count: 0,
    waiting_retry_count: 0,
    suppressed_retry_count: 0,
    owner_digest_count: 0,
    owner_digest_route_count: 0,
    suppression_event_count: 0,
    follow_up_action_count: 0
  });
  run.error = error;
  return run;
}

/** Marks a run partial when some execute-mode delivery failed. */
export function withStatus(run: JsonObject, status: RunStatus): JsonObject {
  return { ...run, status };
}

function runArtifact(
  input: Omit<WorkerPassInput, 'history'>,
  inputs: JsonObject,
  status: RunStatus,
  summary: JsonObject
): JsonObject {
  const window = scheduleWindow(input.now, input.schedule.intervalMinutes);
  const windowStart = formatInstant(window.start);
  // Same window, actor, mode and inputs give the same id, so a re-run overwrites its own record.
  const runId = hashedId('erslaescauto', {
    window_start: windowStart,
    generated_by: input.generatedBy,
    dry_run: input.dryRun,
    ...inputs
  });
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_run.v1',
    product: 'CAVRA',
    run_id: runId,
    generated_at: formatInstant(input.now),
    generated_by: input.generatedBy,
    dry_run: input.dryRun,
    status,
    schedule: {
      interval_minutes: Math.max(1, Math.floor(input.schedule.intervalMinutes)),
      window_start: windowStart,
      window_end: formatInstant(window.end),
      enabled: input.schedule.enabled
    },
    summary,
    controls: CONTROLS_PUBLIC_SAFETY
  };
}

function clampDigestPlans(value: number): number {
  return Math.min(25, Math.max(1, Math.floor(value)));
}

function followUpActions(retryPlan: JsonObject, digests: JsonObject[], trend: JsonObject): JsonObject[] {
  const actions: JsonObject[] = [];
  for (const d of objects(retryPlan.retry_decisions)) {
    actions.push({
      kind: 'recurrence_retry',
      action: str(d.action),
      recurrence_plan_id: d.recurrence_plan_id ?? null,
      provider: d.provider ?? null,
      reason: d.reason ?? null,
      next_retry_at: d.next_retry_at ?? null,
      delivery_id: d.latest_delivery_id ?? null
    });
  }
  for (const digest of digests) {
    const summary = digest.summary as JsonObject;
    actions.push({
      kind: 'owner_digest',
      action: 'deliver',
      digest_id: digest.digest_id ?? null,
      recurrence_plan_id: digest.recurrence_plan_id ?? null,
      owner_count: num(summary.owner_count),
      unresolved_route_count: num(summary.unresolved_route_count)
    });
  }
  for (const row of objects(trend.latest_events).slice(0, LATEST_TREND_ACTIONS)) {
    actions.push({
      kind: 'suppression_trend',
      action: 'review',
      category: row.category ?? null,
      owner: row.owner ?? null,
      provider: row.provider ?? null,
      reason: row.reason ?? null
    });
  }
  return actions;
}
