import { parseInstant, type Instant } from './time.js';

// Evidence records in the seed's shapes (reference §1.4): an envelope keyed by `session_id`, with
// the full artifact nested under its kind's key. Records are plain JSON so that whatever CAVRA
// wrote survives a round trip untouched.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface EvidenceRecord extends JsonObject {
  session_id: string;
}

export const KIND = {
  escalationPlan: 'endpoint-remediation-sla-escalation-plan',
  escalationReview: 'endpoint-remediation-sla-escalation-review',
  recurrencePlan: 'endpoint-remediation-sla-escalation-recurrence-plan',
  suppressionAudit: 'endpoint-remediation-sla-escalation-suppression-audit',
  retryPlan: 'endpoint-remediation-sla-escalation-recurrence-retry-plan',
  ownerDigest: 'endpoint-remediation-sla-escalation-owner-digest',
  suppressionTrend: 'endpoint-remediation-sla-escalation-suppression-trend',
  automationRun: 'endpoint-remediation-sla-escalation-recurrence-automation-run',
  healthAlertPlan: 'endpoint-remediation-sla-escalation-recurrence-automation-health-alert-plan',
  healthAlertAck: 'endpoint-remediation-sla-escalation-recurrence-automation-health-alert-ack',
  connectorDelivery: 'release-connector-delivery'
} as const;

export type MetadataKind = (typeof KIND)[keyof typeof KIND];

/** The key each kind nests its artifact under. */
export const NESTED_KEY: Record<MetadataKind, string> = {
  [KIND.escalationPlan]: 'escalation_plan',
  [KIND.escalationReview]: 'review',
  [KIND.recurrencePlan]: 'recurrence_plan',
  [KIND.suppressionAudit]: 'suppression_audit',
  [KIND.retryPlan]: 'retry_plan',
  [KIND.ownerDigest]: 'owner_digest',
  [KIND.suppressionTrend]: 'suppression_trend',
  [KIND.automationRun]: 'automation_run',
  [KIND.healthAlertPlan]: 'health_alert_plan',
  [KIND.healthAlertAck]: 'acknowledgement',
  [KIND.connectorDelivery]: 'delivery'
};

export const DELIVERY_SOURCE = {
  escalation: 'endpoint_remediation_sla_escalation_delivery',
  recurrence: 'endpoint_remediation_sla_escalation_recurrence_delivery',
  ownerDigest: 'endpoint_remediation_sla_escalation_owner_digest',
  healthAlert: 'endpoint_remediation_sla_escalation_recurrence_automation_health_alert'
} as const;

/**
 * The kinds a worker pass plans from: recurrence plans, suppression audits and connector deliveries.
 * The seed's action history also holds the worker's own output (runs, retry plans, digests, trends),
 * which no plan reads; leaving it out keeps a pass's reads proportional to the upstream evidence.
 */
export const WORKER_INPUT_KINDS: readonly MetadataKind[] = [KIND.recurrencePlan, KIND.suppressionAudit, KIND.connectorDelivery];

const WORKER_DELIVERY_SOURCES = new Set<string>([DELIVERY_SOURCE.escalation, DELIVERY_SOURCE.recurrence, DELIVERY_SOURCE.ownerDigest]);

export function kindOf(record: JsonObject): string {
  return typeof record.metadata_kind === 'string' ? record.metadata_kind : '';
}

/** The artifact nested under the kind's key, or the record itself when it is flat. */
export function artifactOf(record: JsonObject): JsonObject {
  const key = NESTED_KEY[kindOf(record) as MetadataKind];
  const nested = key ? record[key] : undefined;
  return isObject(nested) ? nested : record;
}

export function createdAtOf(record: JsonObject): Instant | undefined {
  return parseInstant(record.created_at) ?? parseInstant(artifactOf(record).generated_at);
}

/** A record the worker pass plans from (deliveries only of the sources the seed's action history keeps). */
export function isWorkerInput(record: JsonObject): boolean {
  const kind = kindOf(record);
  if (kind === KIND.connectorDelivery) return WORKER_DELIVERY_SOURCES.has(str(record.connector_delivery_source));
  return (WORKER_INPUT_KINDS as readonly string[]).includes(kind);
}

/** Plain code-unit order, as Python sorts strings: for ids, names and map keys. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first by creation instant; ties broken by `session_id` so the order is total. */
export function byNewest(a: JsonObject, b: JsonObject): number {
  const diff = (createdAtOf(b) ?? -Infinity) - (createdAtOf(a) ?? -Infinity);
  if (diff !== 0 && !Number.isNaN(diff)) return diff > 0 ? 1 : -1;
  return compareText(str(a.session_id), str(b.session_id));
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? fallback : String(value);
}

export function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Python truthiness for the seed's `delivery_success` tests (a missing flag is a failure). */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

export const CONTROLS_PUBLIC_SAFETY = [
  'Community Edition plans and records follow-up only; it does not mutate endpoints.',
  'No credentials, tokens or connector secrets are stored in evidence.',
  'Scheduler recovery, ticket creation and private queue execution stay outside the public code.'
];
