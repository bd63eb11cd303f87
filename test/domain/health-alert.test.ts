import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  EMPTY_POLICY,
  eligibleProviders,
  episodeHealthId,
  matchingRules,
  planHealthAlert,
  repeatWindowMinutes,
  type HealthAlertInput,
  type RoutingPolicy,
  type RoutingRule
} from '../../src/domain/health-alert.js';
import { KIND, type JsonObject } from '../../src/domain/records.js';
import { NOW, iso } from './fixtures.js';

const rule = (id: string, extra: Partial<RoutingRule> = {}): RoutingRule => ({
  rule_id: id,
  alert_levels: [],
  categories: [],
  min_missed_runs: 0,
  min_failed_jobs: 0,
  min_stale_metadata: 0,
  min_connector_failures: 0,
  providers: [],
  ...extra
});

const critical: JsonObject = {
  alert_level: 'critical',
  fingerprint: 'critical|missed_run',
  missed_run_count: 2,
  failed_job_count: 0,
  stale_metadata_count: 0,
  connector_delivery_failure_count: 0,
  alerts: [{ severity: 'critical', category: 'missed_run', message: 'm' }]
};

describe('routing rules', () => {
  test('a rule matches on level, category and every minimum; an empty list matches all', () => {
    const policy: RoutingPolicy = {
      rules: [
        rule('any'),
        rule('critical-only', { alert_levels: ['critical'] }),
        rule('warning-only', { alert_levels: ['warning'] }),
        rule('missed', { categories: ['missed_run'] }),
        rule('failed', { categories: ['failed_job'] }),
        rule('two-missed', { min_missed_runs: 2 }),
        rule('three-missed', { min_missed_runs: 3 })
      ],
      default_providers: []
    };
    expect(matchingRules(policy, critical).map((r) => r.rule_id)).toEqual(['any', 'critical-only', 'missed', 'two-missed']);
  });

  test('eligible providers: the requested one; else matched rules; else defaults; else configured; else by level', () => {
    const policy: RoutingPolicy = { rules: [], default_providers: ['Teams'] };
    expect(eligibleProviders(policy, [rule('r', { providers: ['jira', 'Slack', 'pagerduty'] })], 'critical', 'all', [])).toEqual(['jira', 'slack']);
    expect(eligibleProviders(policy, [], 'critical', 'all', ['webhook'])).toEqual(['teams']);
    expect(eligibleProviders(EMPTY_POLICY, [], 'critical', 'all', ['webhook', 'slack'])).toEqual(['slack', 'webhook']);
    expect(eligibleProviders(EMPTY_POLICY, [], 'critical', 'all', [])).toEqual(['jira', 'slack', 'teams']);
    expect(eligibleProviders(EMPTY_POLICY, [], 'warning', 'all', [])).toEqual(['slack', 'teams']);
    expect(eligibleProviders(policy, [rule('r', { providers: ['jira'] })], 'critical', 'servicenow', ['slack'])).toEqual(['servicenow']);
  });

  test('repeat window: the flag, else the largest matched rule window, else the policy, else 60; negative is 0', () => {
    const policy: RoutingPolicy = { rules: [], default_providers: [], suppression_window_minutes: 90 };
    const rules = [rule('a', { suppression_window_minutes: 30 }), rule('b', { suppression_window_minutes: 120 }), rule('c')];
    expect(repeatWindowMinutes(policy, rules, 15)).toBe(15);
    expect(repeatWindowMinutes(policy, rules, -5)).toBe(0);
    expect(repeatWindowMinutes(policy, rules, undefined)).toBe(120);
    expect(repeatWindowMinutes(policy, [rule('c')], undefined)).toBe(90);
    expect(repeatWindowMinutes(EMPTY_POLICY, [], undefined)).toBe(60);
  });
});

describe('episodes', () => {
  test('health_id = "erslah-" + the first 16 hex of sha256(fingerprint + "|" + started_at)', () => {
    const expected = createHash('sha256').update('critical|missed_run|2026-03-01T12:00:00+00:00').digest('hex').slice(0, 16);
    expect(episodeHealthId('critical|missed_run', '2026-03-01T12:00:00+00:00')).toBe(`erslah-${expected}`);
  });

  const input = (extra: Partial<HealthAlertInput>): HealthAlertInput => ({
    health: critical,
    policy: EMPTY_POLICY,
    requestedProvider: 'all',
    configuredProviders: ['slack', 'webhook'],
    previousPlan: undefined,
    deliveries: [],
    acknowledgements: [],
    suppressionWindowOverride: undefined,
    force: false,
    now: NOW,
    generatedBy: 'test',
    ...extra
  });

  test('a new episode opens now and plans an open notice per eligible provider', () => {
    const { plan, notices } = planHealthAlert(input({}));
    const healthId = episodeHealthId('critical|missed_run', iso(0));
    expect([plan!.health_id, plan!.episode_started_at, plan!.episode_state, plan!.lifecycle_step]).toEqual([healthId, iso(0), 'open', 'open']);
    expect(notices).toEqual([
      { provider: 'slack', step: 'open', ledgerKey: `health-alert|${healthId}|slack|open` },
      { provider: 'webhook', step: 'open', ledgerKey: `health-alert|${healthId}|webhook|open` }
    ]);
    // Without rules, a critical alert needs an acknowledgement from every selected provider.
    expect(plan!.acknowledgement_required_providers).toEqual(['slack', 'webhook']);
  });

  test('the same fingerprint continues the episode: inside the window suppressed, at the window a reminder, acknowledged never', () => {
    const healthId = episodeHealthId('critical|missed_run', iso(-120));
    const previousPlan = { health_id: healthId, fingerprint: 'critical|missed_run', episode_started_at: iso(-120), episode_state: 'open' };
    const sent = (minutes: number, providers: string[]) => ({
      metadata_kind: KIND.connectorDelivery,
      event_id: healthId,
      providers,
      failed_providers: [],
      delivery_success: true,
      created_at: iso(minutes),
      lifecycle_step: 'open'
    });
    // slack reached 59 minutes ago (inside 60), webhook exactly 60 minutes ago (the window is over).
    const decision = planHealthAlert(input({ previousPlan, deliveries: [sent(-59, ['slack']), sent(-60, ['webhook'])] }));
    expect(decision.plan!.health_id).toBe(healthId);
    expect(decision.notices).toEqual([{ provider: 'webhook', step: 'repeat', ledgerKey: `health-alert|${healthId}|webhook|repeat-1` }]);
    expect(decision.plan!.suppressed_providers).toEqual([
      { provider: 'slack', reason: `delivered at ${iso(-59)}, inside the 60-minute repeat window`, last_delivery_at: iso(-59) }
    ]);

    const acked = planHealthAlert(
      input({
        previousPlan,
        deliveries: [sent(-90, ['slack', 'webhook'])],
        acknowledgements: [
          { health_id: healthId, provider: 'slack', acknowledgement_state: 'dismissed', acknowledged_by: 'a', acknowledged_at: iso(-10), created_at: iso(-10) },
          { health_id: healthId, provider: 'webhook', acknowledgement_state: 'resolved', acknowledged_by: 'b', acknowledged_at: iso(-5), created_at: iso(-5) }
        ]
      })
    );
    // A dismissal does not stop reminders; a resolution does.
    expect(acked.notices.map((n) => [n.provider, n.step])).toEqual([['slack', 'repeat']]);
    expect(acked.plan!.suppressed_providers).toEqual([{ provider: 'webhook', reason: `acknowledged (resolved) by b at ${iso(-5)}`, last_delivery_at: iso(-90) }]);
  });

  test('healthy again: one resolved notice per reached provider; healthy with nothing open: no plan at all', () => {
    const healthId = episodeHealthId('critical|missed_run', iso(-120));
    const previousPlan = { health_id: healthId, fingerprint: 'critical|missed_run', episode_started_at: iso(-120), episode_state: 'open' };
    const healthy = { alert_level: 'healthy', fingerprint: 'healthy|', alerts: [] };
    const deliveries = [
      { metadata_kind: KIND.connectorDelivery, event_id: healthId, providers: ['slack', 'webhook'], failed_providers: ['webhook'], delivery_success: false, created_at: iso(-100) }
    ];
    const resolved = planHealthAlert(input({ health: healthy, previousPlan, deliveries }));
    expect([resolved.plan!.episode_state, resolved.plan!.fingerprint]).toEqual(['resolved', 'critical|missed_run']);
    expect(resolved.notices).toEqual([{ provider: 'slack', step: 'resolved', ledgerKey: `health-alert|${healthId}|slack|resolved` }]);
    expect(planHealthAlert(input({ health: healthy, previousPlan: { ...previousPlan, episode_state: 'resolved' } }))).toEqual({ plan: undefined, notices: [] });
    expect(planHealthAlert(input({ health: healthy }))).toEqual({ plan: undefined, notices: [] });
  });
});
