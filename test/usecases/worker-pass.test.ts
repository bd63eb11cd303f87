import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { normaliseThresholds } from '../../src/domain/health.js';
import { KIND } from '../../src/domain/records.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/retry-plan.js';
import { parseInstant } from '../../src/domain/time.js';
import type { EvidenceStore } from '../../src/store/evidence-store.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { buildHealthReport } from '../../src/usecases/health.js';
import { runWorkerPass, type WorkerPassOptions } from '../../src/usecases/worker-pass.js';
import { recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

const at = (text: string) => parseInstant(text)!;

function options(store: EvidenceStore, now: string): WorkerPassOptions {
  return {
    store,
    now: at(now),
    lookbackHours: 168,
    schedule: { intervalMinutes: 30, enabled: true },
    execute: false,
    generatedBy: 'test',
    retryPolicy: DEFAULT_RETRY_POLICY,
    maxDigestPlans: 5
  };
}

/** A real SQLite store whose reads fail the way a locked or vanished volume would. */
function failingReads(store: EvidenceStore): EvidenceStore {
  return {
    paths: store.paths,
    recordsSince: () => {
      throw new Error('database is locked');
    },
    newestFirst: (kind) => store.newestFirst(kind),
    newestOfKind: (kind) => store.newestOfKind(kind),
    recordById: (id) => store.recordById(id),
    countSince: (kind, since) => store.countSince(kind, since),
    allRecords: () => store.allRecords(),
    write: (records) => store.write(records),
    close: () => store.close()
  };
}

describe('a worker pass that fails', () => {
  test('still records its run as failed, health counts the streak, and the next success clears it', async () => {
    const store = openEvidenceStore({ sqlite: join(tempDir(), 'metadata.db') }, at('2026-12-01T09:00:00Z'));
    store.write([recurrencePlanRecord('erslaescrp-1', '2026-12-01T08:50:00+00:00', [route('payments', 'slack', 'deliver')])]);

    await expect(runWorkerPass(options(failingReads(store), '2026-12-01T09:00:00Z'))).rejects.toThrow('database is locked');
    await expect(runWorkerPass(options(failingReads(store), '2026-12-01T09:30:00Z'))).rejects.toThrow('database is locked');
    const failed = store.newestOfKind(KIND.automationRun)!;
    expect([failed.status, failed.created_at]).toEqual(['failed', '2026-12-01T09:30:00+00:00']);
    expect((failed.automation_run as { error: string }).error).toBe('database is locked');

    const thresholds = normaliseThresholds(30, 120);
    const during = buildHealthReport({ store, now: at('2026-12-01T09:35:00Z'), thresholds, lookbackHours: 168 });
    expect([during.failed_job_count, during.fingerprint]).toEqual([2, 'critical|failed_job,stale_metadata']);

    const passed = await runWorkerPass(options(store, '2026-12-01T10:00:00Z'));
    expect(passed.run.status).toBe('succeeded');
    const after = buildHealthReport({ store, now: at('2026-12-01T10:05:00Z'), thresholds, lookbackHours: 168 });
    expect([after.failed_job_count, after.run_count, after.fingerprint]).toEqual([0, 3, 'healthy|']);
    store.close();
  });
});
