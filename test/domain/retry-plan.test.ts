import { describe, expect, test } from '@jest/globals';
import { DELIVERY_SOURCE, type JsonObject } from '../../src/domain/records.js';
import { DEFAULT_RETRY_POLICY, buildRetryPlan, decideRetry, retryDelayMinutes, type RetryPolicy } from '../../src/domain/retry-plan.js';
import { formatInstant } from '../../src/domain/time.js';
import { MINUTE, NOW, at, delivery, failedDelivery, iso, recurrencePlanRecord, route } from './fixtures.js';

// Reference §3.2: delay = base × multiplier^(retry_count − 1); suppress when retry_count ≥ max;
// wait while now < latest + delay; otherwise retry.

const CUSTOM: RetryPolicy = { maxRetryAttempts: 4, retryDelayMinutes: 10, backoffMultiplier: 1.5 };

function plan(history: JsonObject[], policy: RetryPolicy = DEFAULT_RETRY_POLICY, now = NOW): JsonObject {
  return buildRetryPlan({ history, policy, now, generatedBy: 'release-manager' });
}

function decisions(retryPlan: JsonObject): JsonObject[] {
  return retryPlan.retry_decisions as JsonObject[];
}

/** `count` failed slack deliveries of one recurrence plan, the newest at `latestMinutes`, one minute apart. */
function failures(count: number, latestMinutes: number, planId = 'erslaescrp-p1'): JsonObject[] {
  return Array.from({ length: count }, (_, i) => failedDelivery(`rcd-${planId}-${i}`, planId, latestMinutes - i, ['slack']));
}

describe('retryDelayMinutes', () => {
  test('defaults: 15 × 2^(n−1) → 15, 30, 60', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxRetryAttempts: 3, retryDelayMinutes: 15, backoffMultiplier: 2 });
    expect(retryDelayMinutes(DEFAULT_RETRY_POLICY, 1)).toBe(15); // 15 × 2^0
    expect(retryDelayMinutes(DEFAULT_RETRY_POLICY, 2)).toBe(30); // 15 × 2^1
    expect(retryDelayMinutes(DEFAULT_RETRY_POLICY, 3)).toBe(60); // 15 × 2^2
  });

  test('custom 10 min × 1.5 → 10, 15, 22.5', () => {
    expect(retryDelayMinutes(CUSTOM, 1)).toBe(10); // 10 × 1.5^0
    expect(retryDelayMinutes(CUSTOM, 2)).toBe(15); // 10 × 1.5^1
    expect(retryDelayMinutes(CUSTOM, 3)).toBe(22.5); // 10 × 1.5^2 = 10 × 2.25
  });
});

describe('decideRetry', () => {
  const latest = at(-15);

  test('1 µs before latest + delay → wait; exactly at → retry (count 1, delay 15)', () => {
    const nextRetryAt = latest + 15 * MINUTE; // = NOW
    const before = decideRetry(DEFAULT_RETRY_POLICY, 1, latest, nextRetryAt - 1);
    expect(before).toEqual({ action: 'wait', reason: 'retry delay 15 minutes has not elapsed', delayMinutes: 15, nextRetryAt });
    const onTheDot = decideRetry(DEFAULT_RETRY_POLICY, 1, latest, nextRetryAt);
    expect(onTheDot).toEqual({ action: 'retry', reason: 'failed recurrence delivery is eligible for retry', delayMinutes: 15, nextRetryAt });
  });

  test('count 2 waits 30 minutes: 1 µs before → wait, at → retry', () => {
    const nextRetryAt = latest + 30 * MINUTE;
    expect(decideRetry(DEFAULT_RETRY_POLICY, 2, latest, nextRetryAt - 1).action).toBe('wait');
    expect(decideRetry(DEFAULT_RETRY_POLICY, 2, latest, nextRetryAt).action).toBe('retry');
  });

  test('attempt limit: count = max − 1 is not suppressed, count = max is, whatever the delay', () => {
    const longAfter = latest + 24 * 60 * MINUTE;
    expect(decideRetry(DEFAULT_RETRY_POLICY, 2, latest, longAfter).action).toBe('retry');
    const limit = decideRetry(DEFAULT_RETRY_POLICY, 3, latest, longAfter);
    expect(limit.action).toBe('suppress');
    expect(limit.reason).toBe('maximum retry attempts 3 reached');
    // next_retry_at is still latest + 15 × 2^2 = latest + 60 min
    expect(limit.nextRetryAt).toBe(latest + 60 * MINUTE);
    // also suppressed while the delay has not elapsed
    expect(decideRetry(DEFAULT_RETRY_POLICY, 3, latest, latest).action).toBe('suppress');
    expect(decideRetry(DEFAULT_RETRY_POLICY, 4, latest, longAfter).action).toBe('suppress');
  });

  test('a fractional delay is written with its fraction in the reason', () => {
    const d = decideRetry(CUSTOM, 3, latest, latest);
    expect(d.reason).toBe('retry delay 22.5 minutes has not elapsed');
    expect(d.nextRetryAt).toBe(latest + 22.5 * MINUTE);
  });

  test('an unparseable latest time retries now', () => {
    expect(decideRetry(DEFAULT_RETRY_POLICY, 1, undefined, NOW)).toEqual({
      action: 'retry',
      reason: 'failed recurrence delivery is eligible for retry',
      delayMinutes: 15,
      nextRetryAt: NOW
    });
  });
});

describe('buildRetryPlan', () => {
  const r1 = route('k-alice-slack', 'alice', 'slack', 'deliver');
  const r2 = route('k-bob-jira', 'bob', 'jira', 'deliver');
  const r3 = route('k-carol-slack', 'carol', 'slack', 'wait');
  const r4 = route('k-dave-slack', 'dave', 'slack', 'suppress');
  const r5 = route('k-erin-slack', 'erin', 'slack', 'deliver');
  const p1 = recurrencePlanRecord('erslaescrp-p1', -60, [r1, r2, r3, r4, r5]);

  const history: JsonObject[] = [
    p1,
    // p1: slack failed (jira in the same batch succeeded)
    failedDelivery('rcd-p1-a', 'erslaescrp-p1', -20, ['slack', 'jira'], ['slack']),
    // p1: no failed_providers → every provider of the batch (jira) failed
    delivery('rcd-p1-b', 'erslaescrp-p1', -10, { providers: ['jira'], failed: [], statusCodes: { jira: 503 } }),
    // p0 (no recurrence plan record in the history): teams failed twice
    delivery('rcd-p0-a', 'erslaescrp-p0', -100, { providers: ['teams'], statusCodes: { teams: 502 }, planId: 'erslaesc-e0' }),
    delivery('rcd-p0-b', 'erslaescrp-p0', -90, { providers: ['teams'], statusCodes: { teams: 503 }, planId: 'erslaesc-e0' }),
    // ignored: a successful recurrence delivery older than the slack failure, failed deliveries of other sources
    delivery('rcd-ok', 'erslaescrp-p1', -30, { providers: ['slack'], success: true }),
    delivery('rcd-digest', 'erslaescdigest-x', -5, { providers: ['slack'], source: DELIVERY_SOURCE.ownerDigest }),
    delivery('rcd-esc', 'erslaescrp-p1', -5, { providers: ['slack'], source: DELIVERY_SOURCE.escalation }),
    delivery('rcd-alert', 'erslaescrp-p1', -5, { providers: ['slack'], source: DELIVERY_SOURCE.healthAlert })
  ];

  test('one decision per (recurrence plan, provider), sorted by plan id then provider', () => {
    const result = decisions(plan(history));
    expect(result.map((d) => [d.recurrence_plan_id, d.provider, d.retry_count])).toEqual([
      ['erslaescrp-p0', 'teams', 2],
      ['erslaescrp-p1', 'jira', 1],
      ['erslaescrp-p1', 'slack', 1]
    ]);
  });

  test('p0/teams: 2 failures, delay 15 × 2 = 30 from −90 → due at −60 → retry; no plan record → no routes', () => {
    const d = decisions(plan(history))[0]!;
    expect(d).toMatchObject({
      action: 'retry',
      reason: 'failed recurrence delivery is eligible for retry',
      retry_count: 2,
      max_retry_attempts: 3,
      retry_delay_minutes: 30,
      latest_delivery_id: 'rcd-p0-b',
      latest_delivery_at: iso(-90),
      next_retry_at: iso(-60),
      plan_id: 'erslaesc-e0', // from the delivery, as there is no recurrence plan record
      failed_status_codes: [503, 502], // newest first
      route_count: 0,
      routes: []
    });
  });

  test('p1/jira: failed_providers empty → falls back to providers; 1 failure at −10, delay 15 → due at +5 → wait', () => {
    const d = decisions(plan(history))[1]!;
    expect(d).toMatchObject({
      action: 'wait',
      reason: 'retry delay 15 minutes has not elapsed',
      retry_count: 1,
      retry_delay_minutes: 15,
      latest_delivery_id: 'rcd-p1-b',
      next_retry_at: iso(5),
      plan_id: 'erslaesc-e1',
      failed_status_codes: [503],
      route_count: 1,
      routes: [r2]
    });
  });

  test('p1/slack: only the failed provider of a mixed batch; the routes are the plan\'s deliver routes for slack', () => {
    const d = decisions(plan(history))[2]!;
    expect(d).toMatchObject({
      action: 'retry',
      retry_count: 1, // the successful rcd-ok and the other sources are not counted
      latest_delivery_id: 'rcd-p1-a',
      next_retry_at: iso(-5), // −20 + 15
      failed_status_codes: [500],
      route_count: 2
    });
    // r3 (wait) and r4 (suppress) are on slack too but are not deliver routes; r2 is jira.
    expect(d.routes).toEqual([r1, r5]);
  });

  test('plan counts, alert level, policy echo and id', () => {
    const result = plan(history);
    expect(result).toMatchObject({
      generated_at: '2026-03-01T12:00:00+00:00',
      generated_by: 'release-manager',
      alert_level: 'critical', // any retry
      decision_count: 3,
      retryable_count: 2,
      waiting_count: 1,
      suppressed_count: 0,
      max_retry_attempts: 3,
      base_retry_delay_minutes: 15,
      backoff_multiplier: 2
    });
    expect(result.retry_plan_id).toMatch(/^erslaescrtry-[0-9a-f]{16}$/);
    expect(plan(history).retry_plan_id).toBe(result.retry_plan_id);
    expect(plan(history, DEFAULT_RETRY_POLICY, NOW + 1).retry_plan_id).not.toBe(result.retry_plan_id);
  });

  test('the delay edge through the plan: latest at −15 min + 1 µs → wait; at −15 min exactly → retry', () => {
    const justInside = failedDelivery('rcd-edge', 'erslaescrp-p1', 0, ['slack']);
    justInside.created_at = formatInstant(NOW - 15 * MINUTE + 1);
    expect(decisions(plan([justInside]))[0]!.action).toBe('wait');
    const onTheDot = failedDelivery('rcd-edge', 'erslaescrp-p1', -15, ['slack']);
    expect(decisions(plan([onTheDot]))[0]!.action).toBe('retry');
  });

  test('attempt limit through the plan: 2 failures → retry, 3 → suppress "maximum retry attempts 3 reached"', () => {
    // 2 failures: delay 30; newest at −30 → due now → retry
    expect(decisions(plan(failures(2, -30)))[0]).toMatchObject({ action: 'retry', retry_count: 2 });
    const limit = plan(failures(3, -30));
    expect(decisions(limit)[0]).toMatchObject({
      action: 'suppress',
      reason: 'maximum retry attempts 3 reached',
      retry_count: 3,
      retry_delay_minutes: 60,
      next_retry_at: iso(30) // −30 + 15 × 2^2
    });
    expect(limit).toMatchObject({ alert_level: 'healthy', retryable_count: 0, waiting_count: 0, suppressed_count: 1 });
  });

  test('custom policy 10 × 1.5, max 4: 3 failures wait 22.5 minutes (retry_delay_minutes is the integer part)', () => {
    // newest at −22 → due at +0.5 min = 12:00:30 → wait
    const waiting = plan(failures(3, -22), CUSTOM);
    expect(decisions(waiting)[0]).toMatchObject({
      action: 'wait',
      reason: 'retry delay 22.5 minutes has not elapsed',
      retry_delay_minutes: 22,
      max_retry_attempts: 4,
      next_retry_at: '2026-03-01T12:00:30+00:00'
    });
    expect(waiting).toMatchObject({ alert_level: 'warning', waiting_count: 1, base_retry_delay_minutes: 10, backoff_multiplier: 1.5 });
    // newest at −22.5 → due now → retry
    const newest = failedDelivery('rcd-x-0', 'erslaescrp-p1', -22.5, ['slack']);
    const older = failures(2, -30).map((r, i) => ({ ...r, session_id: `rcd-x-${i + 1}` }));
    expect(decisions(plan([newest, ...older], CUSTOM))[0]).toMatchObject({ action: 'retry', retry_count: 3 });
    // 4 failures reach the custom limit
    expect(decisions(plan(failures(4, -300), CUSTOM))[0]).toMatchObject({ action: 'suppress', reason: 'maximum retry attempts 4 reached' });
  });

  test('a delivery without event_id is grouped under its own session_id', () => {
    const record = delivery('rcd-orphan', undefined, -60, { providers: ['webhook'] });
    expect(decisions(plan([record]))[0]).toMatchObject({ recurrence_plan_id: 'rcd-orphan', provider: 'webhook' });
  });

  test('a missing delivery_success counts as a failure (Python truthiness)', () => {
    const record = failedDelivery('rcd-nosuccess', 'erslaescrp-p1', -60, ['slack']);
    delete record.delivery_success;
    expect(plan([record]).decision_count).toBe(1);
  });

  test('the newest record of a recurrence plan gives the routes', () => {
    const older = recurrencePlanRecord('erslaescrp-p1', -120, [r1]);
    const newer = recurrencePlanRecord('erslaescrp-p1', -60, [r1, r5]);
    const fail = failedDelivery('rcd-1', 'erslaescrp-p1', -60, ['slack']);
    expect(decisions(plan([newer, fail, older]))[0]!.routes).toEqual([r1, r5]);
    expect(decisions(plan([older, fail, newer]))[0]!.routes).toEqual([r1, r5]);
  });

  test('no failures: an empty, healthy plan', () => {
    const empty = plan([p1, delivery('rcd-ok', 'erslaescrp-p1', -5, { providers: ['slack'], success: true })]);
    expect(empty).toMatchObject({ alert_level: 'healthy', decision_count: 0, retryable_count: 0, waiting_count: 0, suppressed_count: 0 });
    expect(empty.retry_decisions).toEqual([]);
  });
});

describe('provider names', () => {
  test('are normalised before grouping: "Slack" and "slack" failures are one group of two', () => {
    const history = [
      failedDelivery('rcd-a', 'erslaescrp-p1', -40, ['Slack']),
      failedDelivery('rcd-b', 'erslaescrp-p1', -20, ['slack'])
    ];
    const [only, ...rest] = decisions(plan(history));
    expect(rest).toEqual([]);
    // two failures: delay 15 × 2^(2−1) = 30 minutes after the newest (−20) is +10: still waiting
    expect([only!.provider, only!.retry_count, only!.action, only!.next_retry_at]).toEqual(['slack', 2, 'wait', iso(10)]);
  });
});

describe('a later successful delivery settles earlier failures', () => {
  test('failures of a (plan, provider) older than its newest success are not retried; newer ones are', () => {
    const success = delivery('rcd-ok', 'erslaescrp-p1', -30, { providers: ['slack'], success: true });
    const settled = plan([failedDelivery('rcd-f1', 'erslaescrp-p1', -60, ['slack']), success]);
    expect(decisions(settled)).toEqual([]);
    // one failure after the success: a group of one, delay 15 min from −10 → next at +5: wait
    const again = plan([failedDelivery('rcd-f1', 'erslaescrp-p1', -60, ['slack']), success, failedDelivery('rcd-f2', 'erslaescrp-p1', -10, ['slack'])]);
    expect(decisions(again).map((d) => [d.provider, d.retry_count, d.action, d.next_retry_at])).toEqual([['slack', 1, 'wait', iso(5)]]);
  });

  test('a success to another provider or another plan settles nothing', () => {
    const history = [
      failedDelivery('rcd-f1', 'erslaescrp-p1', -60, ['slack']),
      delivery('rcd-ok1', 'erslaescrp-p1', -30, { providers: ['jira'], success: true }),
      delivery('rcd-ok2', 'erslaescrp-p2', -30, { providers: ['slack'], success: true })
    ];
    expect(decisions(plan(history)).map((d) => [d.recurrence_plan_id, d.provider, d.retry_count])).toEqual([['erslaescrp-p1', 'slack', 1]]);
  });
});
