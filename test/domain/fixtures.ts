// Small record factories for the pure-domain tests. Records follow the seed's shapes
// (reference §1.4, §2.3–2.6); every timestamp is built from NOW with formatInstant.
import { DELIVERY_SOURCE, KIND, type EvidenceRecord, type JsonObject } from '../../src/domain/records.js';
import { addMinutes, formatInstant, parseInstant, type Instant } from '../../src/domain/time.js';

/** 2026-03-01T12:00:00Z = 1 772 366 400 s since the epoch (python3: datetime(2026,3,1,12,tzinfo=utc).timestamp()). */
export const NOW_TEXT = '2026-03-01T12:00:00+00:00';
export const NOW: Instant = 1_772_366_400_000_000;

export const MINUTE = 60_000_000; // µs

/** The instant `minutes` from NOW (negative = in the past). */
export function at(minutes: number): Instant {
  return addMinutes(NOW, minutes);
}

/** The seed-format timestamp `minutes` from NOW. */
export function iso(minutes: number): string {
  return formatInstant(at(minutes));
}

export function instant(text: string): Instant {
  const value = parseInstant(text);
  if (value === undefined) throw new Error(`bad instant in test: ${text}`);
  return value;
}

export function route(key: string, owner: string, provider: string, action: string, extra: JsonObject = {}): JsonObject {
  return {
    route_key: key,
    plan_id: 'erslaesc-e1',
    report_id: `report-${key}`,
    provider,
    owner,
    action,
    reason: '',
    maintenance_window: null,
    owner_availability: { available: true, reason: '' },
    ...extra
  };
}

export function recurrencePlanRecord(id: string, minutes: number, routes: JsonObject[], planId = 'erslaesc-e1'): EvidenceRecord {
  const createdAt = iso(minutes);
  return {
    session_id: id,
    metadata_kind: KIND.recurrencePlan,
    created_at: createdAt,
    signer: 'release-manager',
    decision_count: routes.length,
    blocked_count: 0,
    approval_required_count: 0,
    recurrence_plan_id: id,
    plan_id: planId,
    recurrence_plan: {
      recurrence_plan_id: id,
      plan_id: planId,
      generated_at: createdAt,
      generated_by: 'release-manager',
      route_decisions: routes
    }
  };
}

export function auditRecord(
  id: string,
  recurrencePlanId: string,
  minutes: number,
  suppressed: JsonObject[],
  waiting: JsonObject[]
): EvidenceRecord {
  const createdAt = iso(minutes);
  return {
    session_id: id,
    metadata_kind: KIND.suppressionAudit,
    created_at: createdAt,
    audit_id: id,
    recurrence_plan_id: recurrencePlanId,
    suppression_audit: {
      audit_id: id,
      recurrence_plan_id: recurrencePlanId,
      generated_at: createdAt,
      suppressed_routes: suppressed,
      waiting_routes: waiting
    }
  };
}

export interface DeliveryOptions {
  providers: string[];
  failed?: string[];
  success?: boolean;
  statusCodes?: JsonObject;
  source?: string;
  planId?: string;
}

/** A connector-delivery record; by default a failed recurrence delivery for `eventId`. */
export function delivery(sessionId: string, eventId: string | undefined, minutes: number, options: DeliveryOptions): EvidenceRecord {
  const record: EvidenceRecord = {
    session_id: sessionId,
    metadata_kind: KIND.connectorDelivery,
    connector_delivery_source: options.source ?? DELIVERY_SOURCE.recurrence,
    providers: options.providers,
    failed_providers: options.failed ?? (options.success ? [] : options.providers),
    delivery_success: options.success ?? false,
    status_codes: options.statusCodes ?? { slack: 500 },
    created_at: iso(minutes)
  };
  if (eventId !== undefined) record.event_id = eventId;
  if (options.planId !== undefined) record.plan_id = options.planId;
  return record;
}

/** A failed recurrence delivery of `providers` for recurrence plan `eventId`. */
export function failedDelivery(sessionId: string, eventId: string, minutes: number, providers: string[], failed?: string[]): EvidenceRecord {
  return delivery(sessionId, eventId, minutes, { providers, ...(failed ? { failed } : {}) });
}

/** An owner-digest connector delivery (feeds health, not the retry plan). */
export function digestDelivery(sessionId: string, minutes: number, providers: string[], failed: string[]): EvidenceRecord {
  return delivery(sessionId, `erslaescdigest-${sessionId}`, minutes, {
    providers,
    failed,
    success: failed.length === 0,
    source: DELIVERY_SOURCE.ownerDigest
  });
}

export interface RunOptions {
  status?: string;
  dryRun?: boolean;
  summary?: JsonObject;
  enabled?: boolean;
  /** Put status/dry_run on the envelope only (as an externally indexed record might). */
  envelopeOnly?: boolean;
}

/** An automation-run record; status and dry_run nested in the artifact unless envelopeOnly. */
export function runRecord(id: string, minutes: number, options: RunOptions = {}): EvidenceRecord {
  const createdAt = iso(minutes);
  const artifact: JsonObject = {
    run_id: id,
    generated_at: createdAt,
    generated_by: 'release-manager',
    schedule: { interval_minutes: 30, enabled: options.enabled ?? true },
    summary: options.summary ?? {}
  };
  const record: EvidenceRecord = {
    session_id: id,
    metadata_kind: KIND.automationRun,
    created_at: createdAt,
    run_id: id,
    automation_run: artifact
  };
  const target = options.envelopeOnly ? record : artifact;
  if (options.status !== undefined) target.status = options.status;
  if (options.dryRun !== undefined) target.dry_run = options.dryRun;
  return record;
}

/** A minimal record of a stage kind (retry plan, owner digest, trend, recurrence plan) created `minutes` from NOW. */
export function stageRecord(kind: string, id: string, minutes: number): EvidenceRecord {
  return { session_id: id, metadata_kind: kind, created_at: iso(minutes) };
}
