import { describe, expect, test } from '@jest/globals';
import type { JsonObject } from '../../src/domain/records.js';
import { buildSuppressionTrend, categorise, suppressionRows } from '../../src/domain/suppression-trend.js';
import { NOW, auditRecord, iso, recurrencePlanRecord, route } from './fixtures.js';

// Reference §3.4 category rules, first match wins: maintenance_window → owner_calendar →
// maximum_recurrence → maximum_retry → recurrence_interval_wait → owner_review → wait → other.
// DESIGN.md: rows are de-duplicated on recurrence_plan_id|route_key|action.

const WINDOW = { window_id: 'mw-1', start_at: iso(-60), end_at: iso(60), reason: 'release freeze' };
const AWAY = { available: false, reason: 'out of office' };

function r(reason: string, extra: JsonObject = {}): JsonObject {
  return { reason, maintenance_window: null, owner_availability: { available: true }, ...extra };
}

describe('categorise', () => {
  test.each([
    ['maintenance window', r('inside maintenance window', { maintenance_window: WINDOW }), 'suppress', 'maintenance_window'],
    ['owner unavailable', r('out of office', { owner_availability: AWAY }), 'suppress', 'owner_calendar'],
    ['maximum recurrence', r('maximum recurrence count 3 reached'), 'suppress', 'maximum_recurrence'],
    ['maximum retry', r('maximum retry attempts 3 reached'), 'suppress', 'maximum_retry'],
    ['interval', r('recurrence interval 60 minutes has not elapsed'), 'wait', 'recurrence_interval_wait'],
    ['review state', r('latest review state is accepted'), 'suppress', 'owner_review'],
    ['resolved', r('route resolved by owner'), 'suppress', 'owner_review'],
    ['false_positive', r('marked false_positive'), 'suppress', 'owner_review'],
    ['plain wait', r('waiting for the next window'), 'wait', 'wait'],
    ['plain suppress', r('suppressed for another reason'), 'suppress', 'other'],
    ['no reason at all', {}, 'suppress', 'other']
  ])('%s → %s', (_name, decision, action, expected) => {
    expect(categorise(decision as JsonObject, action as string)).toBe(expected);
  });

  test('first match wins, one rule against the next', () => {
    // maintenance window AND owner unavailable → maintenance_window
    expect(categorise(r('maximum recurrence count 3 reached', { maintenance_window: WINDOW, owner_availability: AWAY }), 'suppress')).toBe(
      'maintenance_window'
    );
    // owner unavailable AND a "maximum recurrence" reason → owner_calendar
    expect(categorise(r('maximum recurrence count 3 reached', { owner_availability: AWAY }), 'suppress')).toBe('owner_calendar');
    // "maximum recurrence" AND "retry" → maximum_recurrence
    expect(categorise(r('maximum recurrence retry limit'), 'suppress')).toBe('maximum_recurrence');
    // "maximum" + "retry" AND "interval" → maximum_retry
    expect(categorise(r('maximum retry interval exceeded'), 'wait')).toBe('maximum_retry');
    // "interval" AND "resolved" → recurrence_interval_wait
    expect(categorise(r('interval not elapsed; resolved later'), 'wait')).toBe('recurrence_interval_wait');
    // "review state" with action wait → owner_review, not wait
    expect(categorise(r('review state deferred'), 'wait')).toBe('owner_review');
  });

  test('near misses do not match', () => {
    // available true, or no maintenance window object → fall through to the reason rules
    expect(categorise(r('x', { owner_availability: { available: true } }), 'suppress')).toBe('other');
    expect(categorise(r('x', { maintenance_window: null }), 'suppress')).toBe('other');
    // "retry" without "maximum" is not maximum_retry
    expect(categorise(r('retry later'), 'suppress')).toBe('other');
    // "maximum" without "recurrence"/"retry"
    expect(categorise(r('maximum reached'), 'suppress')).toBe('other');
  });
});

describe('suppressionRows: de-duplication on recurrence_plan_id|route_key|action', () => {
  const k1 = route('k1', 'alice', 'slack', 'suppress', { maintenance_window: WINDOW, reason: 'maintenance' });
  const k2 = route('k2', 'bob', 'jira', 'wait', { reason: 'recurrence interval 60 minutes has not elapsed' });
  const k3 = route('k3', 'carol', 'teams', 'deliver');
  const plan = recurrencePlanRecord('erslaescrp-p1', -60, [k1, k2, k3]);
  const audit = auditRecord('erslaescaudit-a1', 'erslaescrp-p1', -30, [k1], [k2]);

  test('a plan alone: its suppress and wait decisions (deliver ignored)', () => {
    const rows = suppressionRows([plan]);
    expect(rows.map((row) => [row.route_key, row.action, row.category, row.created_at])).toEqual([
      ['k1', 'suppress', 'maintenance_window', iso(-60)],
      ['k2', 'wait', 'recurrence_interval_wait', iso(-60)]
    ]);
  });

  test('a plan and its audit count each route once (the seed counted it twice); the newer record\'s row is kept', () => {
    for (const history of [
      [plan, audit],
      [audit, plan]
    ]) {
      const rows = suppressionRows(history);
      expect(rows).toHaveLength(2);
      expect(rows.map((row) => [row.route_key, row.action, row.created_at])).toEqual([
        ['k1', 'suppress', iso(-30)],
        ['k2', 'wait', iso(-30)]
      ]);
    }
  });

  test('the same route key in another recurrence plan, or with another action, is another row', () => {
    const otherPlan = recurrencePlanRecord('erslaescrp-p2', -10, [k1, { ...k1, action: 'wait' }]);
    const rows = suppressionRows([plan, audit, otherPlan]);
    // p1: k1 suppress, k2 wait (2); p2: k1 suppress, k1 wait (2) → 4
    expect(rows).toHaveLength(4);
    expect(rows.slice(0, 2).map((row) => [row.route_key, row.action])).toEqual([
      ['k1', 'suppress'],
      ['k1', 'wait']
    ]);
  });

  test('row fields; missing owner and provider become "unknown"', () => {
    const bare = { route_key: 'k9', action: 'suppress', reason: 'maximum retry attempts 3 reached' };
    const [row] = suppressionRows([recurrencePlanRecord('erslaescrp-p9', -5, [bare])]);
    expect(row).toEqual({
      created_at: iso(-5),
      route_key: 'k9',
      plan_id: '',
      report_id: '',
      owner: 'unknown',
      provider: 'unknown',
      action: 'suppress',
      category: 'maximum_retry',
      reason: 'maximum retry attempts 3 reached'
    });
  });
});

describe('buildSuppressionTrend', () => {
  test('counts per category, owner and provider (sorted maps); alert level warning', () => {
    const plan = recurrencePlanRecord('erslaescrp-p1', -60, [
      route('k1', 'alice', 'slack', 'suppress', { maintenance_window: WINDOW }),
      route('k2', 'alice', 'jira', 'suppress', { owner_availability: AWAY }),
      route('k3', 'bob', 'slack', 'wait', { reason: 'recurrence interval 60 minutes has not elapsed' }),
      route('k4', 'bob', 'slack', 'wait', { reason: 'waiting' }),
      route('k5', '', '', 'suppress', { reason: 'maximum recurrence count 3 reached' }),
      route('k6', 'alice', 'teams', 'deliver')
    ]);
    const trend = buildSuppressionTrend({ history: [plan], now: NOW, generatedBy: 'release-manager' });
    expect(trend.suppression_event_count).toBe(5);
    expect(trend.alert_level).toBe('warning');
    expect(Object.entries(trend.category_counts as JsonObject)).toEqual([
      ['maintenance_window', 1],
      ['maximum_recurrence', 1],
      ['owner_calendar', 1],
      ['recurrence_interval_wait', 1],
      ['wait', 1]
    ]);
    expect(Object.entries(trend.owner_counts as JsonObject)).toEqual([
      ['alice', 2],
      ['bob', 2],
      ['unknown', 1]
    ]);
    expect(Object.entries(trend.provider_counts as JsonObject)).toEqual([
      ['jira', 1],
      ['slack', 3],
      ['unknown', 1]
    ]);
  });

  test('latest_events: the 25 newest rows, newest record first; the count covers all rows', () => {
    const older = recurrencePlanRecord(
      'erslaescrp-old',
      -120,
      Array.from({ length: 20 }, (_, i) => route(`old-${String(i).padStart(2, '0')}`, 'alice', 'slack', 'suppress'))
    );
    const newer = recurrencePlanRecord(
      'erslaescrp-new',
      -10,
      Array.from({ length: 10 }, (_, i) => route(`new-${String(i).padStart(2, '0')}`, 'bob', 'slack', 'wait'))
    );
    const trend = buildSuppressionTrend({ history: [older, newer], now: NOW, generatedBy: 'release-manager' });
    expect(trend.suppression_event_count).toBe(30); // 20 + 10
    const latest = trend.latest_events as JsonObject[];
    expect(latest).toHaveLength(25);
    // 10 rows of the newer plan, then the first 15 of the older one (route_key order within a record)
    expect(latest.slice(0, 10).every((row) => row.created_at === iso(-10))).toBe(true);
    expect(latest[10]!.route_key).toBe('old-00');
    expect(latest[24]!.route_key).toBe('old-14');
  });

  test('exactly 25 rows are all kept', () => {
    const plan = recurrencePlanRecord(
      'erslaescrp-p1',
      -10,
      Array.from({ length: 25 }, (_, i) => route(`k-${String(i).padStart(2, '0')}`, 'alice', 'slack', 'suppress'))
    );
    const trend = buildSuppressionTrend({ history: [plan], now: NOW, generatedBy: 'release-manager' });
    expect((trend.latest_events as JsonObject[]).length).toBe(25);
  });

  test('no rows: healthy, empty maps, id = erslaesctrend- + sha256(json.dumps({generated_at, rows: []}))', () => {
    const trend = buildSuppressionTrend({ history: [], now: NOW, generatedBy: 'release-manager' });
    expect(trend).toMatchObject({
      alert_level: 'healthy',
      suppression_event_count: 0,
      category_counts: {},
      owner_counts: {},
      provider_counts: {},
      latest_events: [],
      generated_at: '2026-03-01T12:00:00+00:00'
    });
    // python3: m = json.dumps({"generated_at": "2026-03-01T12:00:00+00:00", "rows": []}, sort_keys=True);
    //          hashlib.sha256(m.encode()).hexdigest()[:16] == '95cd96d65260eae0'
    expect(trend.trend_id).toBe('erslaesctrend-95cd96d65260eae0');
  });
});
