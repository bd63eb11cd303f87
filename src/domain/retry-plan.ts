import { hashedId } from './ids.js';
import {
  DELIVERY_SOURCE,
  KIND,
  artifactOf,
  compareText,
  createdAtOf,
  kindOf,
  objects,
  str,
  strings,
  truthy,
  CONTROLS_PUBLIC_SAFETY,
  type Json,
  type JsonObject
} from './records.js';
import { normaliseProvider } from './providers.js';
import { addMinutes, formatInstant, type Instant } from './time.js';

export interface RetryPolicy {
  maxRetryAttempts: number;
  retryDelayMinutes: number;
  backoffMultiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetryAttempts: 3, retryDelayMinutes: 15, backoffMultiplier: 2 };

export type RetryAction = 'retry' | 'wait' | 'suppress';

/** delay = base × multiplier^(count − 1), in minutes. */
export function retryDelayMinutes(policy: RetryPolicy, retryCount: number): number {
  return policy.retryDelayMinutes * policy.backoffMultiplier ** Math.max(0, retryCount - 1);
}

/** The decision for one (recurrence plan, provider) group of failed deliveries. */
export function decideRetry(
  policy: RetryPolicy,
  retryCount: number,
  latestAt: Instant | undefined,
  now: Instant
): { action: RetryAction; reason: string; delayMinutes: number; nextRetryAt: Instant } {
  const delayMinutes = retryDelayMinutes(policy, retryCount);
  const nextRetryAt = latestAt === undefined ? now : addMinutes(latestAt, delayMinutes);
  if (retryCount >= policy.maxRetryAttempts) {
    return { action: 'suppress', reason: `maximum retry attempts ${policy.maxRetryAttempts} reached`, delayMinutes, nextRetryAt };
  }
  if (now < nextRetryAt) {
    return { action: 'wait', reason: `retry delay ${formatMinutes(delayMinutes)} minutes has not elapsed`, delayMinutes, nextRetryAt };
  }
  return { action: 'retry', reason: 'failed recurrence delivery is eligible for retry', delayMinutes, nextRetryAt };
}

function formatMinutes(minutes: number): string {
  return Number.isInteger(minutes) ? String(minutes) : String(Number(minutes.toFixed(3)));
}

/** A failed recurrence delivery: the only failures the retry plan re-plans (owner digests feed health). */
function isFailedRecurrenceDelivery(record: JsonObject): boolean {
  return (
    kindOf(record) === KIND.connectorDelivery &&
    record.connector_delivery_source === DELIVERY_SOURCE.recurrence &&
    !truthy(record.delivery_success)
  );
}

export function failedRecurrenceDeliveries(history: readonly JsonObject[]): JsonObject[] {
  return history.filter(isFailedRecurrenceDelivery);
}

/** The provider's status code in a delivery record: `status_codes` is a provider map, or a list. */
function statusCodeFor(record: JsonObject, provider: string): Json {
  const codes = record.status_codes;
  if (Array.isArray(codes)) return codes.length === 1 ? (codes[0] ?? null) : null;
  if (codes && typeof codes === 'object') return (codes as JsonObject)[provider] ?? null;
  return null;
}

export interface RetryPlanInput {
  history: readonly JsonObject[];
  policy: RetryPolicy;
  now: Instant;
  generatedBy: string;
}

export function buildRetryPlan({ history, policy, now, generatedBy }: RetryPlanInput): JsonObject {
  const recurrencePlans = new Map<string, JsonObject>();
  for (const record of history) {
    if (kindOf(record) !== KIND.recurrencePlan) continue;
    const plan = artifactOf(record);
    const id = str(plan.recurrence_plan_id) || record.session_id;
    const known = recurrencePlans.get(str(id));
    if (!known || (createdAtOf(record) ?? 0) > (createdAtOf(known) ?? 0)) recurrencePlans.set(str(id), record);
  }

  // A later successful delivery of the same plan to the same provider settles the earlier failures.
  const settledAt = new Map<string, number>();
  for (const record of history) {
    if (kindOf(record) !== KIND.connectorDelivery || record.connector_delivery_source !== DELIVERY_SOURCE.recurrence) continue;
    const planId = str(record.event_id) || str(record.session_id);
    const failed = new Set(strings(record.failed_providers).map(normaliseProvider));
    const succeeded = strings(record.providers).map(normaliseProvider).filter((p) => !failed.has(p) && (truthy(record.delivery_success) || failed.size > 0));
    for (const provider of succeeded) {
      const key = JSON.stringify([planId, provider]);
      settledAt.set(key, Math.max(settledAt.get(key) ?? -Infinity, createdAtOf(record) ?? -Infinity));
    }
  }

  const groups = new Map<string, { planId: string; provider: string; failures: JsonObject[] }>();
  for (const record of failedRecurrenceDeliveries(history)) {
    const planId = str(record.event_id) || str(record.session_id);
    const failed = strings(record.failed_providers);
    for (const provider of (failed.length > 0 ? failed : strings(record.providers)).map(normaliseProvider)) {
      const key = JSON.stringify([planId, provider]);
      if ((createdAtOf(record) ?? -Infinity) <= (settledAt.get(key) ?? -Infinity)) continue;
      const group = groups.get(key) ?? { planId, provider, failures: [] };
      group.failures.push(record);
      groups.set(key, group);
    }
  }

  const generatedAt = formatInstant(now);
  const decisions: JsonObject[] = [];
  for (const { planId, provider, failures } of [...groups.values()].sort(compareGroups)) {
    const ordered = [...failures].sort((a, b) => (createdAtOf(b) ?? -Infinity) - (createdAtOf(a) ?? -Infinity));
    const latest = ordered[0]!;
    const latestAt = createdAtOf(latest);
    const decision = decideRetry(policy, failures.length, latestAt, now);
    const planRecord = recurrencePlans.get(planId);
    const plan = planRecord ? artifactOf(planRecord) : undefined;
    const routes = plan
      ? objects(plan.route_decisions).filter((r) => r.action === 'deliver' && normaliseProvider(str(r.provider)) === provider)
      : [];
    decisions.push({
      recurrence_plan_id: planId,
      plan_id: str(plan?.plan_id) || str(latest.plan_id),
      provider,
      action: decision.action,
      reason: decision.reason,
      retry_count: failures.length,
      max_retry_attempts: policy.maxRetryAttempts,
      retry_delay_minutes: Math.trunc(decision.delayMinutes),
      latest_delivery_id: str(latest.session_id),
      latest_delivery_at: latestAt === undefined ? str(latest.created_at) : formatInstant(latestAt),
      next_retry_at: formatInstant(decision.nextRetryAt),
      failed_status_codes: ordered.map((record) => statusCodeFor(record, provider)),
      route_count: routes.length,
      routes
    });
  }

  const count = (action: RetryAction) => decisions.filter((d) => d.action === action).length;
  const retryable = count('retry');
  const waiting = count('wait');
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_retry_plan.v1',
    product: 'CAVRA',
    retry_plan_id: hashedId('erslaescrtry', { generated_at: generatedAt, retry_decisions: decisions }),
    generated_at: generatedAt,
    generated_by: generatedBy,
    alert_level: retryable > 0 ? 'critical' : waiting > 0 ? 'warning' : 'healthy',
    decision_count: decisions.length,
    retryable_count: retryable,
    waiting_count: waiting,
    suppressed_count: count('suppress'),
    max_retry_attempts: policy.maxRetryAttempts,
    base_retry_delay_minutes: policy.retryDelayMinutes,
    backoff_multiplier: policy.backoffMultiplier,
    retry_decisions: decisions,
    controls: CONTROLS_PUBLIC_SAFETY
  };
}

function compareGroups(a: { planId: string; provider: string }, b: { planId: string; provider: string }): number {
  return compareText(a.planId, b.planId) || compareText(a.provider, b.provider);
}
