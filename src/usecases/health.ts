import { buildHealth, isFailedRun, STAGES, type HealthThresholds } from '../domain/health.js';
import { DELIVERY_SOURCE, KIND, type JsonObject } from '../domain/records.js';
import { addMinutes, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';

const RECENT_RUNS = 10;

export interface HealthOptions {
  store: EvidenceStore;
  now: Instant;
  thresholds: HealthThresholds;
  lookbackHours: number;
}

/** Reads only what health needs: the newest runs (through the current failure streak), a count of
 * the lookback's runs, the newest record of each stage, and the owner-digest deliveries of the lookback. */
export function buildHealthReport({ store, now, thresholds, lookbackHours }: HealthOptions): JsonObject {
  const since = addMinutes(now, -lookbackHours * 60);
  // The newest runs: at least the ten the report lists, and on through the current failure streak.
  const recentRuns: JsonObject[] = [];
  let streakOver = false;
  for (const run of store.newestFirst(KIND.automationRun, now)) {
    recentRuns.push(run);
    streakOver ||= !isFailedRun(run);
    if (streakOver && recentRuns.length >= RECENT_RUNS) break;
  }
  const newestByKind = Object.fromEntries(STAGES.map(({ kind }) => [kind, store.newestOfKind(kind, now)]));
  const digestDeliveries = store
    .recordsSince([KIND.connectorDelivery], since, now)
    .filter((record) => record.connector_delivery_source === DELIVERY_SOURCE.ownerDigest);
  const report = buildHealth({ recentRuns, runCount: store.countSince(KIND.automationRun, since, now), newestByKind, digestDeliveries }, thresholds, now);
  return { ...report, lookback_hours: lookbackHours };
}
