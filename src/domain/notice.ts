import { num, objects, str, type JsonObject } from './records.js';

// What one notification says, before any provider's format: the owner digest, a health alert, or
// the notice that an alert episode is resolved. Provider payloads are renderings of a Notice.

export interface Notice {
  title: string;
  message: string;
  level: 'critical' | 'warning' | 'healthy';
  facts: { name: string; value: string }[];
  details: string[];
  /** Stable across retries and re-runs: Jira label, ServiceNow correlation_id, webhook-id. */
  dedupKey: string;
}

const BOUNDARY =
  'Public CAVRA recurrence automation evidence: no credentials are included; scheduler recovery, ticket workflows and private queues stay outside this notice.';

export function digestNotice(digest: JsonObject, dedupKey: string): Notice {
  const summary = (digest.summary ?? {}) as JsonObject;
  const owners = objects(digest.owners);
  const unresolved = num(summary.unresolved_route_count);
  return {
    title: `CAVRA endpoint remediation owner digest: ${str(digest.recurrence_plan_id)}`,
    message: `${unresolved} unresolved recurrence routes across ${owners.length} owners.`,
    level: unresolved > 0 ? 'critical' : 'healthy',
    facts: owners.map((o) => ({
      name: str(o.owner),
      value: `routes=${num(o.route_count)} retries=${num(o.retry_count)} ${Object.entries((o.providers ?? {}) as Record<string, number>).map(([p, n]) => `${p}=${n}`).join(' ')}`.trim()
    })),
    details: [
      `Recurrence plan: ${str(digest.recurrence_plan_id)}`,
      `Retry plan: ${str(digest.retry_plan_id) || 'none'}`,
      `Unresolved routes: ${unresolved}; retryable: ${num(summary.retryable_count)}; waiting retries: ${num(summary.waiting_retry_count)}`,
      ...owners.map((o) => `- ${str(o.owner)}: ${num(o.route_count)} routes, ${num(o.retry_count)} pending retries`),
      BOUNDARY
    ],
    dedupKey
  };
}

export function healthAlertNotice(health: JsonObject, healthId: string, maxAlerts: number, repeat: number): Notice {
  const level = str(health.alert_level) === 'critical' ? 'critical' : 'warning';
  const alerts = objects(health.alerts).slice(0, maxAlerts);
  return {
    title: `CAVRA recurrence automation health ${level}${repeat > 0 ? ' (reminder)' : ''}: ${healthId}`,
    message: `${num(health.missed_run_count)} missed runs, ${num(health.failed_job_count)} failed jobs, ${num(health.stale_metadata_count)} stale metadata categories, and ${num(health.connector_delivery_failure_count)} connector delivery failures.`,
    level,
    facts: alerts.map((a) => ({ name: str(a.category), value: `${str(a.severity)}: ${str(a.message)}` })),
    details: [
      `Health episode: ${healthId} (${str(health.fingerprint)})`,
      `Latest run: ${str(health.latest_run_id) || 'none'} at ${str(health.latest_run_at) || 'n/a'}`,
      ...alerts.map((a) => `- [${str(a.severity)}] ${str(a.category)}: ${str(a.message)}`),
      BOUNDARY
    ],
    dedupKey: healthId
  };
}

export function resolvedNotice(healthId: string, fingerprint: string, startedAt: string, resolvedAt: string): Notice {
  return {
    title: `CAVRA recurrence automation health resolved: ${healthId}`,
    message: `The worker is healthy again; the episode that started at ${startedAt} (${fingerprint}) is resolved.`,
    level: 'healthy',
    facts: [
      { name: 'episode', value: healthId },
      { name: 'resolved at', value: resolvedAt }
    ],
    details: [`Health episode ${healthId} (${fingerprint}) started at ${startedAt} and was resolved at ${resolvedAt}.`, BOUNDARY],
    dedupKey: healthId
  };
}
