import { describe, expect, test } from '@jest/globals';
import type { JsonObject } from '../../src/domain/records.js';
import { clampPage, isDryRun, runDashboard, runHistory } from '../../src/domain/run-history.js';
import { NOW, runRecord } from './fixtures.js';

// Reference §3.5 and conventions: limit clamped 1..500 (default 50), offset ≥ 0, total counted
// before paging; a run record without dry_run counts as a dry run.

function ids(page: JsonObject): unknown[] {
  return (page.items as JsonObject[]).map((r) => r.session_id);
}

describe('clampPage', () => {
  test.each([
    [undefined, undefined, 50, 0],
    [0, 0, 1, 0],
    [1, 0, 1, 0],
    [500, 0, 500, 0],
    [501, 0, 500, 0],
    [-7, -3, 1, 0],
    [20.9, 4.2, 20, 4]
  ])('limit %p offset %p → limit %p offset %p', (limit, offset, expectedLimit, expectedOffset) => {
    expect(clampPage(limit, offset)).toEqual({ limit: expectedLimit, offset: expectedOffset });
  });
});

describe('runHistory', () => {
  // created newest first: r5 (−10) … r1 (−50); given shuffled to check the sort
  const r1 = runRecord('r1', -50); // no dry_run anywhere → dry run
  const r2 = runRecord('r2', -40, { dryRun: false, envelopeOnly: true }); // envelope says execute
  const r3 = runRecord('r3', -30, { dryRun: false }); // nested artifact says execute
  const r4 = runRecord('r4', -20, { dryRun: true });
  const r5 = runRecord('r5', -10); // dry run
  const runs = [r3, r1, r5, r2, r4];

  test('isDryRun: only an explicit false (nested or envelope) is execute', () => {
    expect([r1, r2, r3, r4, r5].map(isDryRun)).toEqual([true, false, false, true, true]);
  });

  test('filter absent → all runs, newest first', () => {
    const page = runHistory(runs, undefined, clampPage(undefined, undefined));
    expect(ids(page)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    expect(page).toMatchObject({ total: 5, limit: 50, offset: 0, product: 'CAVRA' });
  });

  test('dry_run true → the dry runs (a record without dry_run included); false → executed runs', () => {
    expect(ids(runHistory(runs, true, clampPage(50, 0)))).toEqual(['r5', 'r4', 'r1']);
    expect(ids(runHistory(runs, false, clampPage(50, 0)))).toEqual(['r3', 'r2']);
  });

  test('paging: total is counted before paging; offset and limit slice the sorted list', () => {
    const page = runHistory(runs, undefined, clampPage(2, 1));
    expect(ids(page)).toEqual(['r4', 'r3']);
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 1 });
    const filtered = runHistory(runs, true, clampPage(1, 2));
    expect(ids(filtered)).toEqual(['r1']);
    expect(filtered.total).toBe(3);
    // offset past the end → no items, total unchanged
    expect(runHistory(runs, undefined, clampPage(10, 5))).toMatchObject({ items: [], total: 5 });
  });
});

describe('runDashboard', () => {
  test('sums across runs (nested summary, falling back to the envelope); counts by mode and status', () => {
    const a = runRecord('a', -10, { status: 'succeeded', summary: { retryable_count: 2, owner_digest_count: 1, suppression_event_count: 4 } });
    const b = runRecord('b', -20, { status: 'partial', dryRun: false, summary: { retryable_count: 1, owner_digest_count: 0, suppression_event_count: 3 } });
    const c = runRecord('c', -30, { status: 'failed' });
    // a seed-written record: counts on the envelope only, no status
    const d = runRecord('d', -40);
    Object.assign(d, { retryable_count: 5, owner_digest_count: 2, suppression_event_count: 1 });
    delete (d.automation_run as JsonObject).summary;
    const dashboard = runDashboard([c, a, d, b], NOW, 168);
    expect(dashboard).toMatchObject({
      run_count: 4,
      dry_run_count: 3, // a, c, d
      executed_count: 1, // b
      succeeded_count: 2, // a and d (no status)
      partial_count: 1,
      failed_count: 1,
      retryable_count: 8, // 2 + 1 + 0 + 5
      owner_digest_count: 3, // 1 + 0 + 0 + 2
      suppression_event_count: 8, // 4 + 3 + 0 + 1
      alert_level: 'critical', // retryable > 0
      lookback_hours: 168,
      generated_at: '2026-03-01T12:00:00+00:00'
    });
    expect((dashboard.latest as JsonObject[]).map((r) => r.session_id)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('alert level: no retryable but digests or events → warning; nothing → healthy', () => {
    const digestsOnly = runRecord('a', -10, { summary: { retryable_count: 0, owner_digest_count: 1, suppression_event_count: 0 } });
    const eventsOnly = runRecord('b', -10, { summary: { retryable_count: 0, owner_digest_count: 0, suppression_event_count: 1 } });
    const quiet = runRecord('c', -10, { summary: { retryable_count: 0, owner_digest_count: 0, suppression_event_count: 0 } });
    expect(runDashboard([digestsOnly], NOW, 168).alert_level).toBe('warning');
    expect(runDashboard([eventsOnly], NOW, 168).alert_level).toBe('warning');
    expect(runDashboard([quiet], NOW, 168).alert_level).toBe('healthy');
    expect(runDashboard([], NOW, 168)).toMatchObject({ run_count: 0, alert_level: 'healthy', latest: [] });
  });

  test('latest keeps the 10 newest runs', () => {
    const runs = Array.from({ length: 11 }, (_, i) => runRecord(`run-${String(i).padStart(2, '0')}`, -i));
    const latest = runDashboard(runs, NOW, 168).latest as JsonObject[];
    expect(latest.map((r) => r.session_id)).toEqual(runs.slice(0, 10).map((r) => r.session_id));
  });
});
