import { num, objects, str, type JsonObject } from './records.js';

// The event a health-alert notice carries (reference §3.7), with the lifecycle step it belongs to.

export const HEALTH_ALERT_EVENT_TYPE = 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert';

const SEVERITY_RANK: Record<string, number> = { critical: 3, warning: 2, low: 1 };

export function healthAlertEvent(health: JsonObject, plan: JsonObject, step: string, maxAlerts: number): JsonObject {
  const alerts = objects(health.alerts);
  const included = alerts.slice(0, maxAlerts);
  const maxSeverity = alerts.reduce((top, a) => ((SEVERITY_RANK[str(a.severity)] ?? 0) > (SEVERITY_RANK[top] ?? 0) ? str(a.severity) : top), 'low');
  const healthId = str(plan.health_id);
  return {
    schema_version: `${HEALTH_ALERT_EVENT_TYPE}.v1`,
    product: 'CAVRA',
    event_type: HEALTH_ALERT_EVENT_TYPE,
    session_id: healthId,
    health_id: healthId,
    lifecycle_step: step,
    episode_started_at: str(plan.episode_started_at),
    fingerprint: str(plan.fingerprint),
    generated_at: str(plan.generated_at),
    generated_by: str(plan.generated_by),
    source_health_generated_at: str(health.generated_at),
    alert_level: step === 'resolved' ? 'healthy' : str(health.alert_level),
    max_severity: step === 'resolved' ? 'low' : maxSeverity,
    blocked_count: num(health.missed_run_count) + num(health.failed_job_count) + num(health.connector_delivery_failure_count),
    approval_required_count: included.length,
    decision_count: num(health.run_count),
    summary: {
      run_count: num(health.run_count),
      missed_run_count: num(health.missed_run_count),
      failed_job_count: num(health.failed_job_count),
      disabled_schedule_count: num(health.disabled_schedule_count),
      stale_metadata_count: num(health.stale_metadata_count),
      connector_delivery_failure_count: num(health.connector_delivery_failure_count),
      latest_run_id: health.latest_run_id ?? null,
      latest_run_age_minutes: health.latest_run_age_minutes ?? null,
      omitted_alert_count: alerts.length - included.length
    },
    alerts: included,
    omitted_alert_count: alerts.length - included.length,
    recommendations: health.recommendations ?? [],
    health_alert_plan: plan
  };
}
