import { buildHealth, isFailedRun, STAGES, type HealthThresholds } from '../domain/health.js';
import { byNewest, DELIVERY_SOURCE, KIND, type JsonObject } from '../domain/records.js';
import { addMinutes, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';

export interface HealthOptions {
  store: EvidenceStore;
  now: Instant;
  thresholds: HealthThresholds;
  lookbackHours: number;
}

/** Reads only what health needs: runs of the lookback plus the current failure streak, the newest
 * record of each stage, and the owner-digest deliveries of the lookback. */
export function buildHealthReport({ store, now, thresholds, lookbackHours }: HealthOptions): JsonObject {
  const since = addMinutes(now, -lookbackHours * 60);
  const streak: JsonObject[] = [];
  for (const run of store.newestFirst(KIND.automationRun)) {
    streak.push(run);
    if (!isFailedRun(run)) break;
  }
  const inLookback = store.recordsSince([KIND.automationRun], since);
  const seen = new Set(inLookback.map((run) => run.session_id));
  const recentRuns = [...streak.filter((run) => !seen.has(run.session_id)), ...inLookback].sort(byNewest);
  const newestByKind = Object.fromEntries(STAGES.map(({ kind }) => [kind, store.newestOfKind(kind)]));
  const digestDeliveries = store
    .recordsSince([KIND.connectorDelivery], since)
    .filter((record) => record.connector_delivery_source === DELIVERY_SOURCE.ownerDigest);
  const report = buildHealth({ recentRuns, runCount: inLookback.length, newestByKind, digestDeliveries }, thresholds, now);
  return { ...report, lookback_hours: lookbackHours };
}
