import { KIND, type JsonObject } from '../domain/records.js';
import { runDashboard, runHistory, type Page } from '../domain/run-history.js';
import { addMinutes, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';


/** Every run in the store, newest first, filtered by mode and paged. */
export function readRunHistory(store: EvidenceStore, dryRun: boolean | undefined, page: Page, now?: Instant): JsonObject {
  return runHistory([...store.newestFirst(KIND.automationRun, now)], dryRun, page);
}

/** The dashboard sums the runs of the lookback window. */
export function readRunDashboard(store: EvidenceStore, now: Instant, lookbackHours: number): JsonObject {
  const runs = store.recordsSince([KIND.automationRun], addMinutes(now, -lookbackHours * 60), now);
  return runDashboard(runs, now, lookbackHours);
}
