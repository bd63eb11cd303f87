import { hashedId } from './ids.js';
import { storeRecord } from './metadata.js';
import { artifactOf, byNewest, createdAtOf, DELIVERY_SOURCE, KIND, kindOf, objects, str, strings, truthy, type EvidenceRecord, type JsonObject } from './records.js';
import { paged, type Page } from './run-history.js';
import { formatInstant, type Instant } from './time.js';

// Acknowledgements of health alerts, and the seed's alert history and dashboard (reference §3.8-3.9).

export const ACK_STATES = ['acknowledged', 'dismissed', 'escalated', 'resolved'] as const;
const CLEARING = new Set(['acknowledged', 'resolved']);

export interface AckInput {
  healthId: string;
  provider: string;
  acknowledgedBy: string;
  state: string;
  externalRef?: string | undefined;
  notes?: string | undefined;
  planId?: string | undefined;
  now: Instant;
}

export function buildAcknowledgement(input: AckInput): JsonObject {
  const at = formatInstant(input.now);
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert_ack.v1',
    product: 'CAVRA',
    acknowledgement_id: hashedId('erslahack', `${input.healthId}|${input.provider}|${input.state}|${input.acknowledgedBy}|${at}`),
    health_id: input.healthId,
    plan_id: input.planId ?? null,
    provider: input.provider,
    acknowledgement_state: input.state,
    acknowledged_by: input.acknowledgedBy,
    acknowledged_at: at,
    external_ref: input.externalRef ?? null,
    notes: input.notes ?? null,
    controls: [
      'Acknowledgements record review only; they do not change connector state.',
      'No tokens or connector secrets are stored with an acknowledgement.',
      'Recovery of the scheduler or of a connector is the operator’s responsibility.'
    ]
  };
}

export function acknowledgementRecord(ack: JsonObject): EvidenceRecord {
  return storeRecord({
    kind: KIND.healthAlertAck,
    sessionId: str(ack.acknowledgement_id),
    createdAt: str(ack.acknowledged_at),
    signer: str(ack.acknowledged_by),
    counts: [1, 0, 0],
    summary: {
      acknowledgement_id: str(ack.acknowledgement_id),
      health_id: str(ack.health_id),
      plan_id: ack.plan_id ?? null,
      provider: str(ack.provider),
      acknowledgement_state: str(ack.acknowledgement_state),
      external_ref: ack.external_ref ?? null
    },
    artifact: ack
  });
}

/** Plans, acknowledgements and health-alert deliveries. */
export function isHealthAlertRecord(record: JsonObject): boolean {
  const kind = kindOf(record);
  return (
    kind === KIND.healthAlertPlan ||
    kind === KIND.healthAlertAck ||
    (kind === KIND.connectorDelivery && record.connector_delivery_source === DELIVERY_SOURCE.healthAlert)
  );
}

export interface AlertHistoryFilter {
  healthId?: string | undefined;
  provider?: string | undefined;
  metadataKind?: string | undefined;
  acknowledgementState?: string | undefined;
  suppressed?: boolean | undefined;
}

export function alertHistory(records: readonly JsonObject[], filter: AlertHistoryFilter, page: Page): JsonObject {
  const matching = records
    .filter(isHealthAlertRecord)
    .filter((r) => !filter.healthId || [r.health_id, r.event_id, r.session_id].some((v) => str(v) === filter.healthId))
    .filter(
      (r) =>
        !filter.provider ||
        str(r.provider) === filter.provider ||
        [r.providers, r.selected_providers, r.suppressed_providers].some((list) => strings(list).includes(filter.provider!))
    )
    .filter((r) => !filter.metadataKind || kindOf(r) === filter.metadataKind)
    .filter((r) => !filter.acknowledgementState || str(r.acknowledgement_state) === filter.acknowledgementState)
    .filter((r) => filter.suppressed === undefined || suppressedCount(r) > 0 === filter.suppressed)
    .sort(byNewest);
  return paged('cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert_history.v1', matching, page);
}

function suppressedCount(record: JsonObject): number {
  return kindOf(record) === KIND.healthAlertPlan ? strings(record.suppressed_providers).length || objects(artifactOf(record).suppressed_providers).length : 0;
}

/** Outstanding: for the newest plan of each health_id, each provider needing an acknowledgement
 * that has none in state acknowledged or resolved (dismissed and escalated do not clear it). */
export function outstandingAcknowledgements(records: readonly JsonObject[]): JsonObject[] {
  const newestPlan = new Map<string, JsonObject>();
  for (const record of records.filter((r) => kindOf(r) === KIND.healthAlertPlan).sort(byNewest)) {
    const healthId = str(artifactOf(record).health_id) || str(record.health_id);
    if (!newestPlan.has(healthId)) newestPlan.set(healthId, record);
  }
  const cleared = new Set(
    records
      .filter((r) => kindOf(r) === KIND.healthAlertAck && CLEARING.has(str(artifactOf(r).acknowledgement_state) || str(r.acknowledgement_state)))
      .map((r) => `${str(artifactOf(r).health_id) || str(r.health_id)}|${str(artifactOf(r).provider) || str(r.provider)}`)
  );
  const outstanding: JsonObject[] = [];
  for (const [healthId, record] of newestPlan) {
    const plan = artifactOf(record);
    if (str(plan.episode_state) === 'resolved') continue;
    for (const provider of strings(plan.acknowledgement_required_providers)) {
      if (!cleared.has(`${healthId}|${provider}`)) outstanding.push({ health_id: healthId, provider, plan_id: str(plan.plan_id) || str(record.session_id) });
    }
  }
  return outstanding;
}

export function alertDashboard(records: readonly JsonObject[], now: Instant): JsonObject {
  const alertRecords = records.filter(isHealthAlertRecord).sort(byNewest);
  const plans = alertRecords.filter((r) => kindOf(r) === KIND.healthAlertPlan);
  const deliveries = alertRecords.filter((r) => kindOf(r) === KIND.connectorDelivery);
  const acks = alertRecords.filter((r) => kindOf(r) === KIND.healthAlertAck);
  const failed = deliveries.filter((d) => !truthy(d.delivery_success)).length;
  const outstanding = outstandingAcknowledgements(alertRecords);
  const suppressed = plans.reduce((sum, p) => sum + suppressedCount(p), 0);
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert_dashboard.v1',
    product: 'CAVRA',
    generated_at: formatInstant(now),
    alert_level: failed > 0 || outstanding.length > 0 ? 'critical' : suppressed > 0 ? 'warning' : 'healthy',
    plan_count: plans.length,
    delivery_count: deliveries.length,
    failed_delivery_count: failed,
    acknowledgement_count: acks.length,
    outstanding_acknowledgement_count: outstanding.length,
    suppressed_provider_count: suppressed,
    outstanding_acknowledgements: outstanding.slice(0, 20),
    latest: alertRecords.slice(0, 10),
    newest_at: alertRecords[0] ? formatInstant(createdAtOf(alertRecords[0]) ?? now) : null
  };
}
