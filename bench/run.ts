// `npm run bench [-- --sizes 10000,100000 --formats sqlite,json --timeout-seconds 300 --no-example --regenerate]`
//
// For every size and format: a generated store (cached under bench/.data/, git-ignored), then ONE
// worker pass (dry run) and ONE health report, each in a fresh child process against a fresh copy
// of the store, so peak memory is per measurement and the cached stores never grow.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvidenceRecord } from '../src/domain/records.js';
import { openEvidenceStore } from '../src/store/open-store.js';
import { addMinutes, formatInstant } from '../src/domain/time.js';
import { BULK_VERSION, EXAMPLE_DEMO_NOW_ISO, EXAMPLE_END, EXAMPLE_SEED, generateBulkStore } from '../scripts/generate-evidence.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench', '.data');
const LOADER = join(ROOT, 'scripts', 'ts-loader.mjs');
const MEASURE = join(ROOT, 'bench', 'measure.ts');
const EXAMPLE_DB = join(ROOT, 'bench', '.data', 'example-metadata.db');
const EXAMPLE_JSON = join(ROOT, 'examples', 'evidence', 'metadata.json');

/** Bulk stores end here; measurements run five minutes later. */
const END = EXAMPLE_END;
const NOW_ISO = formatInstant(addMinutes(END, 5));

export const TARGET = { records: 1_000_000, format: 'sqlite', passMs: 2000, passPeakMb: 400 } as const;

type Format = 'sqlite' | 'json';
type Op = 'pass' | 'health';

interface Measurement {
  ok: boolean;
  /** ok, or why not: timeout, OOM, too large, error. */
  outcome: string;
  /** What went wrong, in words. */
  note?: string;
  ms?: number;
  peak_mb?: number;
  detail?: Record<string, unknown>;
}

interface Row {
  label: string;
  format: Format;
  records: number;
  bytes: number;
  pass: Measurement;
  health: Measurement;
}

function parseArgs(argv: readonly string[]) {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const sizes = (value('--sizes') ?? '10000,100000,1000000').split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes: expected comma-separated record counts, got ${value('--sizes')}`);
  const formats = (value('--formats') ?? 'sqlite,json').split(',').map((s) => s.trim()) as Format[];
  if (formats.some((f) => f !== 'sqlite' && f !== 'json')) throw new Error(`--formats: expected sqlite and/or json`);
  const timeoutSeconds = Number(value('--timeout-seconds') ?? 300);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    formats,
    timeoutMs: timeoutSeconds * 1000,
    example: !argv.includes('--no-example'),
    regenerate: argv.includes('--regenerate')
  };
}

/** The cached store for this size and format, generated when missing or out of date. */
function bulkStore(records: number, format: Format, regenerate: boolean): string {
  const path = join(DATA, `bulk-${records}.${format === 'sqlite' ? 'db' : 'json'}`);
  const metaPath = `${path}.meta.json`;
  const wanted = { version: BULK_VERSION, records, format, seed: EXAMPLE_SEED, end: formatInstant(END) };
  if (!regenerate && existsSync(path) && existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
      if (Object.entries(wanted).every(([k, v]) => meta[k] === v)) return path;
    } catch {
      // regenerate below
    }
  }
  rmSync(metaPath, { force: true });
  process.stderr.write(`generating ${records.toLocaleString('en')} records (${format}) -> ${path}\n`);
  const stats = generateBulkStore({ records, kind: format, path, seed: EXAMPLE_SEED, end: END, log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`  done in ${(stats.elapsedMs / 1000).toFixed(1)} s, ${mb(stats.bytes)} MB, ${stats.recentRecords} records in the last 8 days\n`);
  writeFileSync(metaPath, `${JSON.stringify({ ...wanted, stats }, null, 2)}\n`);
  return path;
}

function measure(op: Op, format: Format, source: string, now: string, timeoutMs: number): Measurement {
  const tmp = join(DATA, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const copy = join(tmp, `measure-${process.pid}.${format === 'sqlite' ? 'db' : 'json'}`);
  const cleanup = () => {
    for (const file of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`]) rmSync(file, { force: true });
  };
  cleanup();
  copyFileSync(source, copy);
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', LOADER, MEASURE, '--op', op, '--format', format, '--store', copy, '--now', now],
      { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }
    );
    const stderr = child.stderr ?? '';
    const lastLine = (text: string) => text.trim().split('\n').slice(-1)[0] ?? '';
    if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      return { ok: false, outcome: 'timeout', note: `no result within ${timeoutMs / 1000} s (killed)` };
    }
    if (/heap out of memory|Allocation failed/i.test(stderr)) return { ok: false, outcome: 'OOM', note: lastLine(stderr) };
    if (child.signal === 'SIGKILL' || child.signal === 'SIGABRT') return { ok: false, outcome: 'OOM', note: `killed by ${child.signal}` };
    const line = lastLine(child.stdout ?? '');
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { ok: false, outcome: 'error', note: `exit ${child.status ?? child.signal}: ${lastLine(stderr)}` };
    }
    if (parsed.ok !== true) {
      const message = String(parsed.error ?? 'unknown error');
      if (/ERR_STRING_TOO_LONG|string longer than|Invalid string length/i.test(message)) {
        return { ok: false, outcome: 'too large', note: `the JSON store reads the file as one string, over V8's limit of ~512 MiB: ${message}` };
      }
      return { ok: false, outcome: 'error', note: message };
    }
    return { ok: true, outcome: 'ok', ms: parsed.ms as number, peak_mb: parsed.peak_mb as number, detail: parsed.detail as Record<string, unknown> };
  } finally {
    cleanup();
  }
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

function cell(m: Measurement, key: 'ms' | 'peak_mb'): string {
  if (!m.ok) return key === 'ms' ? m.outcome : '—';
  const v = m[key]!;
  return key === 'ms' ? (v >= 100 ? String(Math.round(v)) : v.toFixed(1)) : v.toFixed(0);
}

function table(rows: readonly Row[]): string {
  const header = ['format', 'records', 'store MB', 'pass ms', 'pass peak MB', 'health ms', 'health peak MB'];
  const body = rows.map((r) => [
    r.format,
    r.label,
    String(mb(r.bytes)),
    cell(r.pass, 'ms'),
    cell(r.pass, 'peak_mb'),
    cell(r.health, 'ms'),
    cell(r.health, 'peak_mb')
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i <= 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

function growth(rows: readonly Row[], format: Format): string[] {
  const bulk = rows.filter((r) => r.format === format && !r.label.startsWith('example')).sort((a, b) => a.records - b.records);
  // Compare the smallest with the largest size that produced a result.
  const measured = bulk.filter((r) => r.pass.ok || r.health.ok);
  if (measured.length < 2) return bulk.length >= 2 ? [`${format}: no growth ratio (only one size produced a result)`] : [];
  const small = measured[0]!;
  const large = measured[measured.length - 1]!;
  const factor = large.records / small.records;
  const ratio = (op: Op, key: 'ms' | 'peak_mb') => {
    const a = small[op];
    const b = large[op];
    return a.ok && b.ok ? `×${(b[key]! / a[key]!).toFixed(2)}` : `n/a (${b.ok ? a.outcome : b.outcome})`;
  };
  return [
    `${format}: ${large.records.toLocaleString('en')} vs ${small.records.toLocaleString('en')} records (×${factor.toLocaleString('en')} the size): ` +
      `pass time ${ratio('pass', 'ms')}, pass peak ${ratio('pass', 'peak_mb')}; health time ${ratio('health', 'ms')}, health peak ${ratio('health', 'peak_mb')}`
  ];
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(DATA, { recursive: true });
  const rows: Row[] = [];
  const run = (label: string, records: number, format: Format, path: string, now: string) => {
    process.stderr.write(`measuring ${format} ${label}: pass… `);
    const pass = measure('pass', format, path, now, options.timeoutMs);
    process.stderr.write(`${pass.ok ? `${pass.ms} ms` : pass.outcome}; health… `);
    const health = measure('health', format, path, now, options.timeoutMs);
    process.stderr.write(`${health.ok ? `${health.ms} ms` : health.outcome}\n`);
    rows.push({ label, format, records, bytes: statSync(path).size, pass, health });
  };

  if (options.example && existsSync(EXAMPLE_JSON)) {
    // The example evidence: fewer records, but a realistic lookback (the worker's own large output).
    // Only its JSON store is committed; the SQLite mirror is built once from it.
    const items = (JSON.parse(readFileSync(EXAMPLE_JSON, 'utf8')) as { items: EvidenceRecord[] }).items;
    const records = items.length;
    if (!existsSync(EXAMPLE_DB)) {
      mkdirSync(dirname(EXAMPLE_DB), { recursive: true });
      const mirror = openEvidenceStore({ sqlite: EXAMPLE_DB }, 0);
      mirror.write(items);
      mirror.close();
    }
    for (const format of options.formats) run(`example (${records.toLocaleString('en')})`, records, format, format === 'sqlite' ? EXAMPLE_DB : EXAMPLE_JSON, EXAMPLE_DEMO_NOW_ISO);
  }
  for (const records of options.sizes) {
    for (const format of options.formats) run(records.toLocaleString('en'), records, format, bulkStore(records, format, options.regenerate), NOW_ISO);
  }

  console.log('');
  console.log(`One dry-run worker pass and one health report (lookback 168 h), each in a fresh process on a copy of the store; now = ${NOW_ISO}.`);
  console.log('Bulk stores: 20-record blocks (plans, deliveries, audits, four worker passes), the last 8 days at the real cadence, the rest spread over two years.');
  console.log('');
  console.log(table(rows));
  console.log('');
  for (const row of rows) {
    for (const op of ['pass', 'health'] as const) {
      const m = row[op];
      if (!m.ok) console.log(`${row.format} ${row.label} ${op}: ${m.outcome}: ${m.note ?? ''}`);
    }
  }
  for (const format of options.formats) for (const line of growth(rows, format)) console.log(line);
  const target = rows.find((r) => r.format === TARGET.format && r.records === TARGET.records);
  if (target) {
    const p = target.pass;
    const verdict = p.ok && p.ms! <= TARGET.passMs && p.peak_mb! <= TARGET.passPeakMb ? 'PASS' : 'MISS';
    console.log(
      `target: 1,000,000 records SQLite worker pass ≤ ${TARGET.passMs} ms and ≤ ${TARGET.passPeakMb} MB peak: ${verdict}` +
        ` (${p.ok ? `${cell(p, 'ms')} ms, ${cell(p, 'peak_mb')} MB` : p.outcome})`
    );
  } else {
    console.log('target: 1,000,000 records SQLite worker pass ≤ 2000 ms and ≤ 400 MB peak: not measured (add 1000000 to --sizes)');
  }
  writeFileSync(join(DATA, 'last-run.json'), `${JSON.stringify({ now: NOW_ISO, rows }, null, 2)}\n`);
}

try {
  main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
