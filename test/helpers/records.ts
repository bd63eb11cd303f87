import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND, type EvidenceRecord, type JsonObject } from '../../src/domain/records.js';

export function tempDir(prefix = 'cavra-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A CAVRA-shaped recurrence plan record (reference §1.4, §2.3). */
export function recurrencePlanRecord(id: string, createdAt: string, routes: JsonObject[], extra: JsonObject = {}): EvidenceRecord {
  const deliverable = routes.filter((r) => r.action === 'deliver').length;
  const suppressed = routes.filter((r) => r.action === 'suppress').length;
  return {
    schema_version: 'cavra.evidence.metadata.v1',
    product: 'CAVRA',
    session_id: id,
    metadata_kind: KIND.recurrencePlan,
    created_at: createdAt,
    signer: 'release-manager',
    decision_count: routes.length,
    blocked_count: suppressed,
    approval_required_count: deliverable,
    recurrence_plan_id: id,
    plan_id: 'erslaesc-0000000000000001',
    alert_level: deliverable > 0 ? 'critical' : 'healthy',
    route_count: routes.length,
    recurrence_plan: {
      recurrence_plan_id: id,
      plan_id: 'erslaesc-0000000000000001',
      generated_at: createdAt,
      generated_by: 'release-manager',
      route_decisions: routes
    },
    ...extra
  };
}

export function route(owner: string, provider: string, action: string, reason = '', extra: JsonObject = {}): JsonObject {
  return {
    route_key: `erslaroute-${owner}-${provider}`,
    plan_id: 'erslaesc-0000000000000001',
    report_id: `report-${owner}`,
    provider,
    owner,
    action,
    reason,
    maintenance_window: null,
    owner_availability: { available: true, reason: '' },
    ...extra
  };
}

/** A recurrence connector-delivery record (reference §2.4, §2.6). */
export function recurrenceDelivery(id: string, planId: string, createdAt: string, providers: string[], failed: string[], codes: Record<string, number>): EvidenceRecord {
  return {
    schema_version: 'cavra.evidence.metadata.v1',
    product: 'CAVRA',
    session_id: id,
    metadata_kind: KIND.connectorDelivery,
    created_at: createdAt,
    signer: 'endpoint_remediation_sla_escalation_recurrence_delivery',
    decision_count: 0,
    blocked_count: failed.length,
    approval_required_count: 0,
    connector_delivery_source: 'endpoint_remediation_sla_escalation_recurrence_delivery',
    event_id: planId,
    event_type: 'cavra.endpoint_remediation_sla.escalation_recurrence_delivery',
    delivery_success: failed.length === 0,
    providers,
    failed_providers: failed,
    status_codes: codes,
    attempt_count: providers.length,
    delivery: { event_id: planId, success: failed.length === 0, deliveries: [] }
  };
}
