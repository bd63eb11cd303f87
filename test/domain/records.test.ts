import { describe, expect, test } from '@jest/globals';
import { automationRunRecord, ownerDigestRecord, retryPlanRecord, suppressionTrendRecord } from '../../src/domain/metadata.js';
import { normaliseProvider } from '../../src/domain/providers.js';
import { DELIVERY_SOURCE, KIND, artifactOf, byNewest, createdAtOf, isWorkerInput, truthy, type JsonObject } from '../../src/domain/records.js';
import { NOW, delivery, instant, iso, runRecord, stageRecord } from './fixtures.js';

describe('records', () => {
  test('artifactOf: the artifact nested under the kind\'s key, else the record itself', () => {
    const run = runRecord('run-1', -1, { status: 'failed' });
    expect(artifactOf(run)).toBe(run.automation_run);
    const flat = { session_id: 'x', metadata_kind: KIND.automationRun, status: 'failed' };
    expect(artifactOf(flat)).toBe(flat);
    const unknownKind = { session_id: 'y', metadata_kind: 'something-else', automation_run: { status: 'x' } };
    expect(artifactOf(unknownKind)).toBe(unknownKind);
  });

  test('createdAtOf: created_at, else the artifact\'s generated_at', () => {
    expect(createdAtOf(stageRecord(KIND.retryPlan, 'r', -5))).toBe(instant(iso(-5)));
    const noCreatedAt = { session_id: 'r', metadata_kind: KIND.retryPlan, retry_plan: { generated_at: '2026-03-01T12:00:00Z' } };
    expect(createdAtOf(noCreatedAt)).toBe(NOW);
    expect(createdAtOf({ session_id: 'r', created_at: 'garbage' })).toBeUndefined();
  });

  test('byNewest compares instants, not strings (mixed offsets), ties by session_id', () => {
    // "12:00+05:30" is 06:30Z, older than "07:00+00:00", although it sorts after it as a string
    const a = { session_id: 'a', created_at: '2026-03-01T12:00:00+05:30' };
    const b = { session_id: 'b', created_at: '2026-03-01T07:00:00+00:00' };
    const c = { session_id: 'c', created_at: '2026-03-01T07:00:00Z' }; // same instant as b
    expect([a, c, b].sort(byNewest).map((r) => r.session_id)).toEqual(['b', 'c', 'a']);
    // an unparseable timestamp sorts last
    const d = { session_id: 'd', created_at: 'never' };
    expect([d, a].sort(byNewest).map((r) => r.session_id)).toEqual(['a', 'd']);
  });

  test('isWorkerInput: plans, audits, and connector deliveries of three sources only; not the worker\'s own output', () => {
    expect(isWorkerInput(stageRecord(KIND.recurrencePlan, 'x', 0))).toBe(true);
    expect(isWorkerInput(stageRecord(KIND.suppressionAudit, 'x', 0))).toBe(true);
    expect(isWorkerInput(stageRecord(KIND.automationRun, 'x', 0))).toBe(false);
    expect(isWorkerInput(stageRecord(KIND.retryPlan, 'x', 0))).toBe(false);
    expect(isWorkerInput(stageRecord(KIND.healthAlertPlan, 'x', 0))).toBe(false);
    expect(isWorkerInput(stageRecord('endpoint-remediation-sla-report', 'x', 0))).toBe(false);
    for (const source of [DELIVERY_SOURCE.escalation, DELIVERY_SOURCE.recurrence, DELIVERY_SOURCE.ownerDigest]) {
      expect(isWorkerInput(delivery('d', 'e', 0, { providers: ['slack'], source }))).toBe(true);
    }
    expect(isWorkerInput(delivery('d', 'e', 0, { providers: ['slack'], source: DELIVERY_SOURCE.healthAlert }))).toBe(false);
    expect(isWorkerInput(delivery('d', 'e', 0, { providers: ['slack'], source: 'endpoint_remediation_sla_notification' }))).toBe(false);
  });

  test('truthy follows Python truthiness', () => {
    expect([undefined, null, false, 0, '', [], {}].map(truthy)).toEqual([false, false, false, false, false, false, false]);
    expect([true, 1, 'false', [0], { a: 1 }].map(truthy)).toEqual([true, true, true, true, true]);
  });
});

describe('metadata envelopes (reference §1.4)', () => {
  test('automation run: session_id = run_id, counts = follow-ups / suppressed retries / digests, dry_run and status', () => {
    const run: JsonObject = {
      run_id: 'erslaescauto-1',
      generated_at: iso(0),
      generated_by: 'release-manager',
      dry_run: false,
      status: 'partial',
      summary: { follow_up_action_count: 7, suppressed_retry_count: 2, owner_digest_count: 3, retryable_count: 1, suppression_event_count: 4 }
    };
    const record = automationRunRecord(run);
    expect(record).toMatchObject({
      schema_version: 'cavra.evidence.metadata.v1',
      product: 'CAVRA',
      session_id: 'erslaescauto-1',
      metadata_kind: KIND.automationRun,
      created_at: '2026-03-01T12:00:00+00:00',
      signer: 'release-manager',
      decision_count: 7,
      blocked_count: 2,
      approval_required_count: 3,
      run_id: 'erslaescauto-1',
      dry_run: false,
      status: 'partial',
      retryable_count: 1,
      owner_digest_count: 3,
      suppression_event_count: 4
    });
    expect(record.automation_run).toBe(run);
    // dry_run defaults to true when the run does not say false
    expect(automationRunRecord({ ...run, dry_run: null }).dry_run).toBe(true);
  });

  test('retry plan, trend and digest envelopes', () => {
    expect(
      retryPlanRecord({ retry_plan_id: 'erslaescrtry-1', generated_at: iso(0), decision_count: 5, suppressed_count: 1, retryable_count: 2, waiting_count: 2 })
    ).toMatchObject({ session_id: 'erslaescrtry-1', metadata_kind: KIND.retryPlan, decision_count: 5, blocked_count: 1, approval_required_count: 2, waiting_count: 2 });
    expect(suppressionTrendRecord({ trend_id: 'erslaesctrend-1', suppression_event_count: 6, category_counts: { wait: 6 } })).toMatchObject({
      session_id: 'erslaesctrend-1',
      decision_count: 6,
      blocked_count: 6,
      approval_required_count: 0,
      category_counts: { wait: 6 }
    });
    expect(ownerDigestRecord({ digest_id: 'erslaescdigest-1', summary: { owner_count: 2, unresolved_route_count: 3 } })).toMatchObject({
      session_id: 'erslaescdigest-1',
      decision_count: 3,
      blocked_count: 3,
      approval_required_count: 3,
      owner_count: 2,
      unresolved_route_count: 3
    });
  });

  test('normaliseProvider: trim, lower-case, "-" → "_"', () => {
    expect(normaliseProvider('  Service-Now ')).toBe('service_now');
    expect(normaliseProvider('SLACK')).toBe('slack');
  });
});
