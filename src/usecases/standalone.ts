import { retryPlanRecord, suppressionTrendRecord } from '../domain/metadata.js';
import { WORKER_INPUT_KINDS, isWorkerInput, type JsonObject } from '../domain/records.js';
import { buildRetryPlan, type RetryPolicy } from '../domain/retry-plan.js';
import { buildSuppressionTrend } from '../domain/suppression-trend.js';
import { addMinutes, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';

// The retry plan and the suppression trend on their own, as the seed's standalone commands.

interface StandaloneOptions {
  store: EvidenceStore;
  now: Instant;
  lookbackHours: number;
  generatedBy: string;
}

function actionHistory({ store, now, lookbackHours }: StandaloneOptions): JsonObject[] {
  return store.recordsSince(WORKER_INPUT_KINDS, addMinutes(now, -lookbackHours * 60), now).filter(isWorkerInput);
}

export function planRetries(options: StandaloneOptions & { policy: RetryPolicy }): JsonObject {
  const plan = buildRetryPlan({ history: actionHistory(options), policy: options.policy, now: options.now, generatedBy: options.generatedBy });
  const metadata = retryPlanRecord(plan);
  options.store.write([metadata]);
  return { plan, metadata, indexed_metadata_stores: [...options.store.paths].sort() };
}

export function trendSuppressions(options: StandaloneOptions): JsonObject {
  const trend = buildSuppressionTrend({ history: actionHistory(options), now: options.now, generatedBy: options.generatedBy });
  const metadata = suppressionTrendRecord(trend);
  options.store.write([metadata]);
  return { trend, metadata, indexed_metadata_stores: [...options.store.paths].sort() };
}
