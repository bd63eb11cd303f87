import { artifactOf, byNewest, num, type JsonObject } from './records.js';
import { runStatus } from './health.js';
import { formatInstant, type Instant } from './time.js';

// Run history and dashboard over automation-run records (reference §3.5).

export interface Page {
  limit: number;
  offset: number;
}

export function clampPage(limit: number | undefined, offset: number | undefined): Page {
  return {
    limit: Math.min(500, Math.max(1, Math.floor(limit ?? 50))),
    offset: Math.max(0, Math.floor(offset ?? 0))
  };
}

/** A run is a dry run unless it says `dry_run: false`. */
export function isDryRun(run: JsonObject): boolean {
  return artifactOf(run).dry_run !== false && run.dry_run !== false;
}

/** The seed's paged result: `total` counts before paging. */
export function paged(schemaVersion: string, matching: readonly JsonObject[], page: Page): JsonObject {
  return {
    schema_version: schemaVersion,
    product: 'CAVRA',
    items: matching.slice(page.offset, page.offset + page.limit),
    total: matching.length,
    limit: page.limit,
    offset: page.offset
  };
}

export function runHistory(runs: readonly JsonObject[], dryRun: boolean | undefined, page: Page): JsonObject {
  const matching = runs.filter((run) => dryRun === undefined || isDryRun(run) === dryRun).sort(byNewest);
  return paged('cavra.endpoint_remediation_sla.escalation_recurrence_automation_history.v1', matching, page);
}

function summaryCount(run: JsonObject, key: string): number {
  const summary = artifactOf(run).summary;
  const nested = summary && typeof summary === 'object' && !Array.isArray(summary) ? (summary as JsonObject)[key] : undefined;
  return num(nested, num(run[key]));
}

export function runDashboard(runs: readonly JsonObject[], now: Instant, lookbackHours: number): JsonObject {
  const ordered = [...runs].sort(byNewest);
  const dry = ordered.filter(isDryRun).length;
  const sum = (key: string) => ordered.reduce((total, run) => total + summaryCount(run, key), 0);
  const retryable = sum('retryable_count');
  const digests = sum('owner_digest_count');
  const events = sum('suppression_event_count');
  const statusCounts = { succeeded: 0, partial: 0, failed: 0 };
  for (const run of ordered) {
    const status = runStatus(run) || 'succeeded';
    if (status === 'partial') statusCounts.partial += 1;
    else if (status === 'succeeded') statusCounts.succeeded += 1;
    else statusCounts.failed += 1;
  }
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_dashboard.v1',
    product: 'CAVRA',
    generated_at: formatInstant(now),
    lookback_hours: lookbackHours,
    alert_level: retryable > 0 ? 'critical' : digests > 0 || events > 0 ? 'warning' : 'healthy',
    run_count: ordered.length,
    dry_run_count: dry,
    executed_count: ordered.length - dry,
    succeeded_count: statusCounts.succeeded,
    partial_count: statusCounts.partial,
    failed_count: statusCounts.failed,
    retryable_count: retryable,
    owner_digest_count: digests,
    suppression_event_count: events,
    latest: ordered.slice(0, 10)
  };
}
