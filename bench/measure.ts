// One measurement in a fresh process, so that peak memory (max RSS) belongs to it alone:
//
//   node --import ./scripts/ts-loader.mjs bench/measure.ts --op pass|health --format sqlite|json --store PATH --now ISO
//
// Prints one JSON line: { ok, op, format, ms, peak_mb, baseline_mb, detail } or { ok: false, error }.
// The time covers opening the store, the use case and closing the store; module loading is excluded.

import { normaliseThresholds } from '../src/domain/health.js';
import { DEFAULT_RETRY_POLICY } from '../src/domain/retry-plan.js';
import { parseInstant } from '../src/domain/time.js';
import { openEvidenceStore } from '../src/store/open-store.js';
import { buildHealthReport } from '../src/usecases/health.js';
import { runWorkerPass } from '../src/usecases/worker-pass.js';

export const BENCH_INTERVAL_MINUTES = 30;
export const BENCH_STALE_MINUTES = 120;
export const BENCH_LOOKBACK_HOURS = 168;
export const BENCH_GENERATED_BY = 'github-actions:cavra-recurrence-automation';

function arg(name: string): string {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const megabytes = (kilobytes: number) => Math.round((kilobytes / 1024) * 10) / 10;

async function main(): Promise<void> {
  const op = arg('--op');
  const format = arg('--format');
  const path = arg('--store');
  const now = parseInstant(arg('--now'));
  if (op !== 'pass' && op !== 'health') throw new Error(`--op: expected pass or health, got ${op}`);
  if (format !== 'sqlite' && format !== 'json') throw new Error(`--format: expected sqlite or json, got ${format}`);
  if (now === undefined) throw new Error('--now: not an ISO-8601 instant');

  const baseline = process.resourceUsage().maxRSS;
  const started = performance.now();
  const store = openEvidenceStore(format === 'sqlite' ? { sqlite: path } : { metadataJson: path }, now);
  let detail: Record<string, unknown>;
  try {
    if (op === 'pass') {
      const result = await runWorkerPass({
        store,
        now,
        lookbackHours: BENCH_LOOKBACK_HOURS,
        schedule: { intervalMinutes: BENCH_INTERVAL_MINUTES, enabled: true },
        execute: false,
        generatedBy: BENCH_GENERATED_BY,
        retryPolicy: DEFAULT_RETRY_POLICY,
        maxDigestPlans: 5
      });
      const summary = result.run.summary as Record<string, unknown>;
      detail = {
        recurrence_plan_count: summary.recurrence_plan_count,
        retry_decisions: summary.retryable_count,
        owner_digest_count: summary.owner_digest_count,
        suppression_event_count: summary.suppression_event_count,
        records_written: 3 + result.owner_digests.length
      };
    } else {
      const report = buildHealthReport({
        store,
        now,
        thresholds: normaliseThresholds(BENCH_INTERVAL_MINUTES, BENCH_STALE_MINUTES),
        lookbackHours: BENCH_LOOKBACK_HOURS
      });
      detail = { alert_level: report.alert_level, run_count: report.run_count, fingerprint: report.fingerprint };
    }
  } finally {
    store.close();
  }
  const ms = performance.now() - started;
  const usage = process.resourceUsage();
  console.log(
    JSON.stringify({
      ok: true,
      op,
      format,
      ms: Math.round(ms * 10) / 10,
      peak_mb: megabytes(usage.maxRSS),
      baseline_mb: megabytes(baseline),
      detail
    })
  );
}

try {
  await main();
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  console.log(JSON.stringify({ ok: false, error: err?.message ?? String(error), code: err?.code ?? null }));
  process.exitCode = 3;
}
