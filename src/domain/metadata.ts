import { KIND, num, str, type EvidenceRecord, type JsonObject } from './records.js';

// Store records (the seed's envelopes, reference §1.4) for the artifacts this product writes.

const STORE_DEFAULTS = { schema_version: 'cavra.evidence.metadata.v1', product: 'CAVRA' };

function envelope(
  kind: string,
  sessionId: string,
  artifact: JsonObject,
  nestedKey: string,
  counts: [number, number, number],
  summary: JsonObject
): EvidenceRecord {
  return {
    ...STORE_DEFAULTS,
    session_id: sessionId,
    metadata_kind: kind,
    created_at: str(artifact.generated_at),
    signer: str(artifact.generated_by),
    decision_count: counts[0],
    blocked_count: counts[1],
    approval_required_count: counts[2],
    ...summary,
    [nestedKey]: artifact
  };
}

export function retryPlanRecord(plan: JsonObject): EvidenceRecord {
  return envelope(
    KIND.retryPlan,
    str(plan.retry_plan_id),
    plan,
    'retry_plan',
    [num(plan.decision_count), num(plan.suppressed_count), num(plan.retryable_count)],
    {
      retry_plan_id: plan.retry_plan_id ?? null,
      alert_level: plan.alert_level ?? null,
      retryable_count: num(plan.retryable_count),
      waiting_count: num(plan.waiting_count),
      suppressed_count: num(plan.suppressed_count)
    }
  );
}

export function suppressionTrendRecord(trend: JsonObject): EvidenceRecord {
  const events = num(trend.suppression_event_count);
  return envelope(KIND.suppressionTrend, str(trend.trend_id), trend, 'suppression_trend', [events, events, 0], {
    trend_id: trend.trend_id ?? null,
    alert_level: trend.alert_level ?? null,
    suppression_event_count: events,
    category_counts: trend.category_counts ?? {}
  });
}

export function ownerDigestRecord(digest: JsonObject): EvidenceRecord {
  const summary = (digest.summary ?? {}) as JsonObject;
  const unresolved = num(summary.unresolved_route_count);
  return envelope(KIND.ownerDigest, str(digest.digest_id), digest, 'owner_digest', [unresolved, unresolved, unresolved], {
    digest_id: digest.digest_id ?? null,
    recurrence_plan_id: digest.recurrence_plan_id ?? null,
    retry_plan_id: digest.retry_plan_id ?? null,
    plan_id: digest.plan_id ?? null,
    owner_count: num(summary.owner_count),
    unresolved_route_count: unresolved
  });
}

export function automationRunRecord(run: JsonObject): EvidenceRecord {
  const summary = (run.summary ?? {}) as JsonObject;
  return envelope(
    KIND.automationRun,
    str(run.run_id),
    run,
    'automation_run',
    [num(summary.follow_up_action_count), num(summary.suppressed_retry_count), num(summary.owner_digest_count)],
    {
      run_id: run.run_id ?? null,
      dry_run: run.dry_run !== false,
      status: run.status ?? null,
      retryable_count: num(summary.retryable_count),
      owner_digest_count: num(summary.owner_digest_count),
      suppression_event_count: num(summary.suppression_event_count)
    }
  );
}
