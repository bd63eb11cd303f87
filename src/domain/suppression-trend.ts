import { hashedId } from './ids.js';
import { sortedCounts } from './owner-digest.js';
import {
  KIND,
  artifactOf,
  compareText,
  createdAtOf,
  isObject,
  kindOf,
  objects,
  str,
  CONTROLS_PUBLIC_SAFETY,
  type JsonObject
} from './records.js';
import { formatInstant, type Instant } from './time.js';

export const SUPPRESSION_CATEGORIES = [
  'maintenance_window',
  'owner_calendar',
  'maximum_recurrence',
  'maximum_retry',
  'recurrence_interval_wait',
  'owner_review',
  'wait',
  'other'
] as const;
export type SuppressionCategory = (typeof SUPPRESSION_CATEGORIES)[number];

const LATEST_EVENTS = 25;

/** The seed's category rules, first match wins, in this fixed order. */
export function categorise(route: JsonObject, action: string): SuppressionCategory {
  const reason = str(route.reason).toLowerCase();
  if (isObject(route.maintenance_window)) return 'maintenance_window';
  if (isObject(route.owner_availability) && route.owner_availability.available === false) return 'owner_calendar';
  if (reason.includes('maximum recurrence')) return 'maximum_recurrence';
  if (reason.includes('retry') && reason.includes('maximum')) return 'maximum_retry';
  if (reason.includes('interval')) return 'recurrence_interval_wait';
  if (reason.includes('review state') || reason.includes('resolved') || reason.includes('false_positive')) return 'owner_review';
  if (action === 'wait') return 'wait';
  return 'other';
}

interface TrendRow extends JsonObject {
  created_at: string;
  route_key: string;
  plan_id: string;
  report_id: string;
  owner: string;
  provider: string;
  action: string;
  category: string;
  reason: string;
}

/** Suppress and wait decisions of recurrence plans and suppression audits in the history. */
export function suppressionRows(history: readonly JsonObject[]): TrendRow[] {
  const rows = new Map<string, { at: number; row: TrendRow }>();
  const add = (record: JsonObject, recurrencePlanId: string, route: JsonObject, action: string) => {
    // One row per route and action for a recurrence plan, whether it came from the plan or its audit.
    const key = `${recurrencePlanId}|${str(route.route_key)}|${action}`;
    const at = createdAtOf(record) ?? -Infinity;
    const known = rows.get(key);
    if (known && known.at >= at) return;
    rows.set(key, {
      at,
      row: {
        created_at: str(record.created_at),
        route_key: str(route.route_key),
        plan_id: str(route.plan_id),
        report_id: str(route.report_id),
        owner: str(route.owner) || 'unknown',
        provider: str(route.provider) || 'unknown',
        action,
        category: categorise(route, action),
        reason: str(route.reason)
      }
    });
  };
  for (const record of history) {
    const kind = kindOf(record);
    const artifact = artifactOf(record);
    const recurrencePlanId = str(artifact.recurrence_plan_id) || str(record.recurrence_plan_id) || record.session_id;
    if (kind === KIND.recurrencePlan) {
      for (const route of objects(artifact.route_decisions)) {
        if (route.action === 'suppress' || route.action === 'wait') add(record, str(recurrencePlanId), route, str(route.action));
      }
    } else if (kind === KIND.suppressionAudit) {
      for (const route of objects(artifact.suppressed_routes)) add(record, str(recurrencePlanId), route, 'suppress');
      for (const route of objects(artifact.waiting_routes)) add(record, str(recurrencePlanId), route, 'wait');
    }
  }
  return [...rows.values()]
    .sort((a, b) => b.at - a.at || compareText(a.row.route_key, b.row.route_key))
    .map((entry) => entry.row);
}

export function buildSuppressionTrend(input: { history: readonly JsonObject[]; now: Instant; generatedBy: string }): JsonObject {
  const rows = suppressionRows(input.history);
  const tally = (pick: (row: TrendRow) => string) => {
    const counts: Record<string, number> = {};
    for (const row of rows) counts[pick(row)] = (counts[pick(row)] ?? 0) + 1;
    return sortedCounts(counts);
  };
  const generatedAt = formatInstant(input.now);
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_suppression_trend.v1',
    product: 'CAVRA',
    trend_id: hashedId('erslaesctrend', { generated_at: generatedAt, rows }),
    generated_at: generatedAt,
    generated_by: input.generatedBy,
    alert_level: rows.length > 0 ? 'warning' : 'healthy',
    suppression_event_count: rows.length,
    category_counts: tally((r) => r.category),
    owner_counts: tally((r) => r.owner),
    provider_counts: tally((r) => r.provider),
    latest_events: rows.slice(0, LATEST_EVENTS),
    controls: CONTROLS_PUBLIC_SAFETY
  };
}
