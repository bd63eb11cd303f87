import { describe, expect, test } from '@jest/globals';
import { buildOwnerDigest, sortedCounts } from '../../src/domain/owner-digest.js';
import type { JsonObject } from '../../src/domain/records.js';
import { NOW, route } from './fixtures.js';

// Reference §3.3: unresolved routes = deliver or wait, grouped by owner (default release-governance);
// retry decisions with action retry or wait add to their routes' owners' retry_count and to the
// decision provider's count. DESIGN choice (code comment): only the SAME recurrence plan's retries.

const a1 = route('k-a1', 'alice', 'slack', 'deliver');
const a2 = route('k-a2', 'alice', 'jira', 'wait');
const b1 = route('k-b1', 'bob', 'slack', 'deliver');
const x1 = route('k-x1', '', 'teams', 'deliver'); // no owner → release-governance
const s1 = route('k-s1', 'carol', 'slack', 'suppress');

const recurrencePlan: JsonObject = {
  recurrence_plan_id: 'erslaescrp-p1',
  plan_id: 'erslaesc-e1',
  route_decisions: [b1, s1, a1, x1, a2]
};

const retryPlan: JsonObject = {
  retry_plan_id: 'erslaescrtry-r1',
  retry_decisions: [
    { recurrence_plan_id: 'erslaescrp-p1', provider: 'slack', action: 'retry', routes: [a1, b1] },
    { recurrence_plan_id: 'erslaescrp-p1', provider: 'teams', action: 'wait', routes: [x1] },
    // not pending: suppressed decisions do not count
    { recurrence_plan_id: 'erslaescrp-p1', provider: 'jira', action: 'suppress', routes: [a2] },
    // another recurrence plan's retry does not count in this plan's digest
    { recurrence_plan_id: 'erslaescrp-p2', provider: 'slack', action: 'retry', routes: [route('k-d1', 'dave', 'slack', 'deliver')] }
  ]
};

/** `retries` null = no retry plan (undefined would take the default). */
function digest(plan: JsonObject = recurrencePlan, retries: JsonObject | null = retryPlan): JsonObject {
  return buildOwnerDigest({ recurrencePlan: plan, retryPlan: retries ?? undefined, now: NOW, generatedBy: 'release-manager' });
}

function owners(d: JsonObject): JsonObject[] {
  return d.owners as JsonObject[];
}

describe('buildOwnerDigest', () => {
  test('owners sorted by name; suppressed-only owners and other plans\' retry owners are absent', () => {
    expect(owners(digest()).map((o) => o.owner)).toEqual(['alice', 'bob', 'release-governance']);
  });

  test('alice: 2 unresolved routes (deliver + wait), 1 pending retry (slack)', () => {
    // route_count: a1 + a2 = 2; retry_count: a1 in the slack retry = 1
    // providers: jira 1 (a2); slack 1 (a1) + 1 (slack retry decision over a1) = 2
    const alice = owners(digest())[0]!;
    expect(alice).toEqual({ owner: 'alice', route_count: 2, retry_count: 1, providers: { jira: 1, slack: 2 }, routes: [a1, a2] });
    expect(Object.keys(alice.providers as JsonObject)).toEqual(['jira', 'slack']);
  });

  test('bob: 1 route, 1 retry; release-governance (owner missing): 1 route, 1 waiting retry on teams', () => {
    const [, bob, governance] = owners(digest());
    expect(bob).toEqual({ owner: 'bob', route_count: 1, retry_count: 1, providers: { slack: 2 }, routes: [b1] });
    // providers teams: x1 (1) + teams wait decision over x1 (1) = 2
    expect(governance).toEqual({ owner: 'release-governance', route_count: 1, retry_count: 1, providers: { teams: 2 }, routes: [x1] });
  });

  test('summary and envelope counts', () => {
    const d = digest();
    expect(d.summary).toEqual({
      owner_count: 3,
      unresolved_route_count: 4, // a1, a2, b1, x1 (s1 is suppressed)
      retryable_count: 1, // p1/slack retry
      waiting_retry_count: 1 // p1/teams wait (p1/jira suppress and p2/slack are not counted)
    });
    expect(d).toMatchObject({
      alert_level: 'critical',
      blocked_count: 4,
      approval_required_count: 4,
      recurrence_plan_id: 'erslaescrp-p1',
      retry_plan_id: 'erslaescrtry-r1',
      plan_id: 'erslaesc-e1',
      generated_at: '2026-03-01T12:00:00+00:00',
      generated_by: 'release-manager',
      event_type: 'cavra.endpoint_remediation_sla.escalation_owner_digest'
    });
  });

  test('digest id = erslaescdigest- + sha256("<recurrence_plan_id>|<generated_at>")[0:16]', () => {
    // python3: hashlib.sha256(b"erslaescrp-p1|2026-03-01T12:00:00+00:00").hexdigest()[:16] == '94b17b9de61a6330'
    const d = digest();
    expect(d.digest_id).toBe('erslaescdigest-94b17b9de61a6330');
    expect(d.session_id).toBe(d.digest_id);
    // the id does not depend on the routes or retries
    expect(digest({ ...recurrencePlan, route_decisions: [a1] }, null).digest_id).toBe('erslaescdigest-94b17b9de61a6330');
    expect(buildOwnerDigest({ recurrencePlan, retryPlan, now: NOW + 1, generatedBy: 'x' }).digest_id).not.toBe(d.digest_id);
  });

  test('an owner that appears only through a retry has route_count 0', () => {
    const retries: JsonObject = {
      retry_plan_id: 'erslaescrtry-r2',
      retry_decisions: [{ recurrence_plan_id: 'erslaescrp-p1', provider: 'webhook', action: 'retry', routes: [route('k-e1', 'erin', 'webhook', 'deliver')] }]
    };
    const erin = owners(digest(recurrencePlan, retries)).find((o) => o.owner === 'erin');
    expect(erin).toEqual({ owner: 'erin', route_count: 0, retry_count: 1, providers: { webhook: 1 }, routes: [] });
  });

  test('without a retry plan: retry counts are 0 and retry_plan_id is null', () => {
    const d = digest(recurrencePlan, null);
    expect(owners(d).map((o) => [o.owner, o.route_count, o.retry_count])).toEqual([
      ['alice', 2, 0],
      ['bob', 1, 0],
      ['release-governance', 1, 0]
    ]);
    expect(d.retry_plan_id).toBeNull();
    expect(d.summary).toMatchObject({ retryable_count: 0, waiting_retry_count: 0 });
  });

  test('an owner keeps at most 25 routes but counts all of them', () => {
    const many = Array.from({ length: 26 }, (_, i) => route(`k-${String(i).padStart(2, '0')}`, 'alice', 'slack', 'deliver'));
    const alice = owners(digest({ recurrence_plan_id: 'erslaescrp-p1', route_decisions: many }, null))[0]!;
    expect(alice.route_count).toBe(26);
    expect(alice.routes).toEqual(many.slice(0, 25));
    const exactly25 = owners(digest({ recurrence_plan_id: 'erslaescrp-p1', route_decisions: many.slice(0, 25) }, null))[0]!;
    expect((exactly25.routes as JsonObject[]).length).toBe(25);
  });

  test('nothing unresolved: no owners, healthy; a plan without an id gets the default id', () => {
    const d = digest({ route_decisions: [s1] }, null);
    expect(d.owners).toEqual([]);
    expect(d.alert_level).toBe('healthy');
    expect(d.summary).toEqual({ owner_count: 0, unresolved_route_count: 0, retryable_count: 0, waiting_retry_count: 0 });
    expect(d.recurrence_plan_id).toBe('endpoint-remediation-sla-recurrence');
    expect(d.plan_id).toBeNull();
  });
});

describe('sortedCounts', () => {
  test('sorts keys by code point and keeps values', () => {
    const sorted = sortedCounts({ teams: 1, Slack: 2, jira: 3 });
    expect(Object.entries(sorted)).toEqual([
      ['Slack', 2],
      ['jira', 3],
      ['teams', 1]
    ]);
  });
});
