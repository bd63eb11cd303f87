import { failedRun, planWorkerPass, scheduleWindow, withStatus, type Schedule } from '../domain/automation-run.js';
import { automationRunRecord, ownerDigestRecord, retryPlanRecord, suppressionTrendRecord } from '../domain/metadata.js';
import { WORKER_INPUT_KINDS, isWorkerInput, str, type JsonObject } from '../domain/records.js';
import type { RetryPolicy } from '../domain/retry-plan.js';
import { addMinutes, type Instant } from '../domain/time.js';
import { StoreError, type EvidenceStore } from '../store/evidence-store.js';
import { deliverOwnerDigest, type DigestDelivery } from './owner-digest-delivery.js';
import { errorMessage } from '../error-text.js';

export interface WorkerPassOptions {
  store: EvidenceStore;
  now: Instant;
  lookbackHours: number;
  schedule: Schedule;
  /** Execute mode was asked for; without `delivery` the digests are recorded as not configured. */
  execute: boolean;
  delivery?: DigestDelivery | undefined;
  generatedBy: string;
  retryPolicy: RetryPolicy;
  maxDigestPlans: number;
}

/** What a pass produced, in the seed's output shape. */
export interface WorkerPassResult extends JsonObject {
  run: JsonObject;
  metadata: JsonObject;
  retry_metadata: JsonObject;
  trend_metadata: JsonObject;
  owner_digests: JsonObject[];
  indexed_metadata_stores: string[];
}

/** The history window: the lookback counted from the start of the schedule window, so that every
 * pass inside one window reads the same records and gets the same run id. */
export function historySince(now: Instant, intervalMinutes: number, lookbackHours: number): Instant {
  return addMinutes(scheduleWindow(now, intervalMinutes).start, -lookbackHours * 60);
}

export async function runWorkerPass(options: WorkerPassOptions): Promise<WorkerPassResult> {
  const { store, now } = options;
  const passInput = {
    now,
    schedule: options.schedule,
    dryRun: !options.execute,
    generatedBy: options.generatedBy,
    retryPolicy: options.retryPolicy,
    maxDigestPlans: options.maxDigestPlans
  };
  let history: JsonObject[];
  try {
    const since = historySince(now, options.schedule.intervalMinutes, options.lookbackHours);
    history = store.recordsSince(WORKER_INPUT_KINDS, since, now).filter(isWorkerInput);
  } catch (error) {
    if (error instanceof StoreError) throw error; // an unreadable store is bad input: leave it untouched
    throw recordFailure(options, passInput, error);
  }

  try {
    const pass = planWorkerPass({ ...passInput, history });
    const delivery = options.execute ? options.delivery : undefined;
    const skipped = options.execute ? (delivery ? null : 'connector_config_not_configured') : 'dry_run';
    const digestRecords = pass.digests.map(ownerDigestRecord);
    const windowStart = str((pass.run.schedule as JsonObject).window_start);
    const delivered: (Awaited<ReturnType<typeof deliverOwnerDigest>> | undefined)[] = [];
    for (const digest of pass.digests) {
      delivered.push(delivery ? await deliverOwnerDigest(store, digest, windowStart, delivery, now, options.generatedBy) : undefined);
    }
    const failed = delivered.some((d) => d && !d.outcome.success);
    const run = failed ? withStatus(pass.run, 'partial') : pass.run;
    const retryMetadata = retryPlanRecord(pass.retryPlan);
    const trendMetadata = suppressionTrendRecord(pass.trend);
    const runMetadata = automationRunRecord(run);
    const deliveryRecords = delivered.flatMap((d) => (d?.outcome.record ? [d.outcome.record] : []));
    store.write([retryMetadata, trendMetadata, ...digestRecords, ...deliveryRecords, runMetadata]);
    return {
      run,
      metadata: runMetadata,
      retry_metadata: retryMetadata,
      trend_metadata: trendMetadata,
      owner_digests: pass.digests.map((digest, index) => {
        const sent = delivered[index];
        return {
          event: sent?.event ?? digest,
          digest_metadata: digestRecords[index]!,
          delivery: sent?.outcome.delivery ?? null,
          delivery_evidence: sent?.outcome.evidencePath ?? null,
          metadata: sent?.outcome.record ?? null,
          skipped: sent ? (sent.outcome.delivery ? null : 'already_delivered') : skipped,
          ...(sent && sent.outcome.skipped.length > 0 ? { skipped_providers: sent.outcome.skipped } : {})
        };
      }),
      indexed_metadata_stores: [...new Set(store.paths)].sort()
    };
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw recordFailure(options, passInput, error);
  }
}

/** A pass that failed after the store opened still leaves its run, so health counts the failure. */
function recordFailure(options: WorkerPassOptions, passInput: Parameters<typeof failedRun>[0], error: unknown): Error {
  const message = errorMessage(error);
  try {
    options.store.write([automationRunRecord(failedRun(passInput, message))]);
  } catch {
    // The store refused the failure record too; the original error is what the operator needs.
  }
  return error instanceof Error ? error : new Error(message);
}
