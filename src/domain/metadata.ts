import { KIND, NESTED_KEY, num, str, type EvidenceRecord, type JsonObject, type MetadataKind } from './records.js';

// Store records (the seed's envelopes, reference §1.4): the envelope counters and summary keys,
// and the full artifact nested under the kind's key.

const STORE_DEFAULTS = { schema_version: 'cavra.evidence.metadata.v1', product: 'CAVRA' };

export interface EnvelopeParts {
  kind: MetadataKind;
  sessionId: string;
  createdAt: string;
  signer: string;
  /** decision_count, blocked_count, approval_required_count */
  counts: readonly [number, number, number];
  summary: JsonObject;
  artifact: JsonObject;
}

export function storeRecord({ kind, sessionId, createdAt, signer, counts, summary, artifact }: EnvelopeParts): EvidenceRecord {
  return {
    ...STORE_DEFAULTS,
    session_id: sessionId,
    metadata_kind: kind,
    created_at: createdAt,
    signer,
    decision_count: counts[0],
    blocked_count: counts[1],
    approval_required_count: counts[2],
    ...summary,
    [NESTED_KEY[kind]]: artifact
  };
}

/** The envelope of an artifact this product generated: created and signed as the artifact says. */
function envelope(kind: MetadataKind, sessionId: string, artifact: JsonObject, counts: [number, number, number], summary: JsonObject): EvidenceRecord {
  return storeRecord({ kind, sessionId, createdAt: str(artifact.generated_at), signer: str(artifact.generated_by), counts, summary, artifact });
}

export function retryPlanRecord(plan: JsonObject): EvidenceRecord {
  return envelope(
    KIND.retryPlan,
    str(plan.retry_plan_id),
    plan,
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
  return envelope(KIND.suppressionTrend, str(trend.trend_id), trend, [events, events, 0], {
    trend_id: trend.trend_id ?? null,
    alert_level: trend.alert_level ?? null,
    suppression_event_count: events,
    category_counts: trend.category_counts ?? {}
  });
}

export function ownerDigestRecord(digest: JsonObject): EvidenceRecord {
  const summary = (digest.summary ?? {}) as JsonObject;
  const unresolved = num(summary.unresolved_route_count);
  return envelope(KIND.ownerDigest, str(digest.digest_id), digest, [unresolved, unresolved, unresolved], {
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
