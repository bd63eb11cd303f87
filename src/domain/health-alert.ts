import { hashedId, sha256Hex } from './ids.js';
import { normaliseProvider, PROVIDERS } from './providers.js';
import { storeRecord } from './metadata.js';
import { createdAtOf, KIND, num, objects, str, strings, truthy, CONTROLS_PUBLIC_SAFETY, type EvidenceRecord, type JsonObject } from './records.js';
import { addMinutes, formatInstant, type Instant } from './time.js';

// Health-alert routing and the episode lifecycle (DESIGN.md "Health-alert lifecycle"): one
// health_id per unbroken run of the same fingerprint, a notice per provider when the episode is
// new to it, a reminder after the repeat window unless that provider acknowledged, and one
// resolved notice per reached provider when health recovers.

export interface RoutingRule {
  rule_id: string;
  alert_levels: string[];
  categories: string[];
  min_missed_runs: number;
  min_failed_jobs: number;
  min_stale_metadata: number;
  min_connector_failures: number;
  providers: string[];
  owner?: string;
  acknowledgement_required?: boolean;
  suppression_window_minutes?: number;
}

export interface RoutingPolicy {
  rules: RoutingRule[];
  default_providers: string[];
  suppression_window_minutes?: number;
  owner?: string;
}

export const EMPTY_POLICY: RoutingPolicy = { rules: [], default_providers: [] };
export const DEFAULT_REPEAT_WINDOW_MINUTES = 60;
const CLEARING_ACK_STATES = new Set(['acknowledged', 'resolved']);

export type LifecycleStep = 'open' | 'repeat' | 'resolved';

export interface PlannedNotice {
  provider: string;
  step: LifecycleStep;
  /** Names this notice in the send ledger: the same notice is never sent twice. */
  ledgerKey: string;
}

export interface HealthAlertInput {
  health: JsonObject;
  policy: RoutingPolicy;
  requestedProvider: string;
  configuredProviders: readonly string[];
  /** The newest health-alert plan artifact, if any. */
  previousPlan: JsonObject | undefined;
  /** Health-alert connector deliveries (records), any episode; the lifecycle picks its own. */
  deliveries: readonly JsonObject[];
  /** Acknowledgement artifacts for any health id. */
  acknowledgements: readonly JsonObject[];
  suppressionWindowOverride: number | undefined;
  force: boolean;
  now: Instant;
  generatedBy: string;
}

export interface HealthAlertDecision {
  /** Undefined when health is healthy and no episode is open: nothing to plan or send. */
  plan: JsonObject | undefined;
  notices: PlannedNotice[];
}

export function matchingRules(policy: RoutingPolicy, health: JsonObject): RoutingRule[] {
  const level = str(health.alert_level);
  const categories = new Set(objects(health.alerts).map((a) => str(a.category)));
  return policy.rules.filter(
    (rule) =>
      (rule.alert_levels.length === 0 || rule.alert_levels.includes(level)) &&
      (rule.categories.length === 0 || rule.categories.some((c) => categories.has(c))) &&
      num(health.missed_run_count) >= rule.min_missed_runs &&
      num(health.failed_job_count) >= rule.min_failed_jobs &&
      num(health.stale_metadata_count) >= rule.min_stale_metadata &&
      num(health.connector_delivery_failure_count) >= rule.min_connector_failures
  );
}

/** The seed's provider choice: the requested one; else matched rules; defaults; configured; level defaults. */
export function eligibleProviders(policy: RoutingPolicy, rules: RoutingRule[], level: string, requested: string, configured: readonly string[]): string[] {
  const known = (names: readonly string[]) => names.map(normaliseProvider).filter((p) => (PROVIDERS as readonly string[]).includes(p));
  let chosen: string[];
  if (requested !== 'all') chosen = known(requested.split(','));
  else {
    chosen = known(rules.flatMap((r) => r.providers));
    if (chosen.length === 0) chosen = known(policy.default_providers);
    if (chosen.length === 0) chosen = known(configured);
    if (chosen.length === 0) chosen = level === 'critical' ? ['jira', 'slack', 'teams'] : ['slack', 'teams'];
  }
  return [...new Set(chosen)].sort();
}

export function repeatWindowMinutes(policy: RoutingPolicy, rules: RoutingRule[], override: number | undefined): number {
  if (override !== undefined) return Math.max(0, override);
  const fromRules = rules.map((r) => r.suppression_window_minutes).filter((m): m is number => m !== undefined);
  if (fromRules.length > 0) return Math.max(...fromRules);
  return policy.suppression_window_minutes ?? DEFAULT_REPEAT_WINDOW_MINUTES;
}

/** `erslah-` + the first 16 hex of sha256(fingerprint + "|" + started_at). */
export function episodeHealthId(fingerprint: string, startedAt: string): string {
  return `erslah-${sha256Hex(`${fingerprint}|${startedAt}`).slice(0, 16)}`;
}

/** Successful notices per provider in one episode, newest first. */
function reached(deliveries: readonly JsonObject[], healthId: string): Map<string, { at: Instant; steps: string[] }> {
  const byProvider = new Map<string, { at: Instant; steps: string[] }>();
  const ordered = deliveries
    .filter((d) => str(d.event_id) === healthId)
    .sort((a, b) => (createdAtOf(b) ?? 0) - (createdAtOf(a) ?? 0));
  for (const record of ordered) {
    const failed = new Set(strings(record.failed_providers));
    if (!truthy(record.delivery_success) && failed.size === 0) continue;
    for (const provider of strings(record.providers)) {
      if (failed.has(provider)) continue;
      const entry = byProvider.get(provider) ?? { at: createdAtOf(record) ?? 0, steps: [] };
      entry.steps.push(str(record.lifecycle_step) || 'open');
      byProvider.set(provider, entry);
    }
  }
  return byProvider;
}

function clearingAck(acks: readonly JsonObject[], healthId: string, provider: string): JsonObject | undefined {
  return acks
    .filter((a) => str(a.health_id) === healthId && str(a.provider) === provider && CLEARING_ACK_STATES.has(str(a.acknowledgement_state)))
    .sort((a, b) => (createdAtOf(b) ?? 0) - (createdAtOf(a) ?? 0))[0];
}

export function planHealthAlert(input: HealthAlertInput): HealthAlertDecision {
  const { health, policy, now, previousPlan: previous } = input;
  const level = str(health.alert_level);
  const fingerprint = str(health.fingerprint);
  const generatedAt = formatInstant(now);
  const previousOpen = previous !== undefined && str(previous.episode_state) === 'open';

  if (level === 'healthy') {
    if (!previousOpen) return { plan: undefined, notices: [] };
    const healthId = str(previous.health_id);
    const providers = [...reached(input.deliveries, healthId).entries()]
      .filter(([, entry]) => !entry.steps.includes('resolved'))
      .map(([provider]) => provider)
      .sort();
    const notices = providers.map((provider) => ({ provider, step: 'resolved' as const, ledgerKey: `health-alert|${healthId}|${provider}|resolved` }));
    const plan = planArtifact(input, {
      healthId,
      fingerprint: str(previous.fingerprint),
      startedAt: str(previous.episode_started_at),
      state: 'resolved',
      step: 'resolved',
      eligible: providers,
      notices,
      suppressed: [],
      routes: providers.map((provider) => ({ provider, selected: true, suppressed: false, step: 'resolved', rule_ids: [], owner: str(previous.owner) || 'release-governance', acknowledgement_required: false })),
      rules: [],
      window: num(previous.suppression_window_minutes, DEFAULT_REPEAT_WINDOW_MINUTES),
      generatedAt
    });
    return { plan, notices };
  }

  const continues = previousOpen && str(previous.fingerprint) === fingerprint;
  const startedAt = continues ? str(previous.episode_started_at) : generatedAt;
  const healthId = continues ? str(previous.health_id) : episodeHealthId(fingerprint, startedAt);
  const rules = matchingRules(policy, health);
  const eligible = eligibleProviders(policy, rules, level, input.requestedProvider, input.configuredProviders);
  const window = repeatWindowMinutes(policy, rules, input.suppressionWindowOverride);
  const sent = reached(input.deliveries, healthId);

  const notices: PlannedNotice[] = [];
  const suppressed: JsonObject[] = [];
  const routes: JsonObject[] = [];
  for (const provider of eligible) {
    const history = sent.get(provider);
    const ack = clearingAck(input.acknowledgements, healthId, provider);
    const providerRules = rules.filter((r) => r.providers.map(normaliseProvider).includes(provider));
    let reason: string | undefined;
    if (!input.force && history) {
      if (ack) reason = `acknowledged (${str(ack.acknowledgement_state)}) by ${str(ack.acknowledged_by)} at ${str(ack.acknowledged_at)}`;
      else if (window > 0 && addMinutes(history.at, window) > now) {
        reason = `delivered at ${formatInstant(history.at)}, inside the ${window}-minute repeat window`;
      }
    }
    const step: LifecycleStep = history ? 'repeat' : 'open';
    if (reason) {
      suppressed.push({ provider, reason, last_delivery_at: history ? formatInstant(history.at) : null });
    } else {
      const slot = input.force ? `forced-${generatedAt}` : step === 'open' ? 'open' : `repeat-${history?.steps.length ?? 0}`;
      notices.push({ provider, step, ledgerKey: `health-alert|${healthId}|${provider}|${slot}` });
    }
    routes.push({
      provider,
      selected: !reason,
      suppressed: Boolean(reason),
      step,
      rule_ids: providerRules.map((r) => r.rule_id),
      owner: providerRules.find((r) => r.owner)?.owner ?? policy.owner ?? 'release-governance',
      acknowledgement_required: providerRules.length > 0 ? providerRules.some((r) => r.acknowledgement_required !== false) : level === 'critical' || level === 'warning',
      suppression_window_minutes: window
    });
  }
  const plan = planArtifact(input, { healthId, fingerprint, startedAt, state: 'open', step: continues ? 'repeat' : 'open', eligible, notices, suppressed, routes, rules, window, generatedAt });
  return { plan, notices };
}

interface PlanParts {
  healthId: string;
  /** The episode's fingerprint (a resolved notice names the problem that ended). */
  fingerprint: string;
  startedAt: string;
  state: 'open' | 'resolved';
  step: LifecycleStep;
  eligible: string[];
  notices: PlannedNotice[];
  suppressed: JsonObject[];
  routes: JsonObject[];
  rules: RoutingRule[];
  window: number;
  generatedAt: string;
}

function planArtifact(input: HealthAlertInput, parts: PlanParts): JsonObject {
  const { health } = input;
  const selected = parts.notices.map((n) => n.provider);
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_automation_health_alert_plan.v1',
    product: 'CAVRA',
    plan_id: hashedId('erslahalert', {
      health_id: parts.healthId,
      generated_at: parts.generatedAt,
      eligible_providers: parts.eligible,
      selected_providers: selected,
      suppressed_providers: parts.suppressed
    }),
    health_id: parts.healthId,
    fingerprint: parts.fingerprint,
    episode_started_at: parts.startedAt,
    episode_state: parts.state,
    lifecycle_step: parts.step,
    generated_at: parts.generatedAt,
    generated_by: input.generatedBy,
    source_health_generated_at: str(health.generated_at),
    alert_level: str(health.alert_level),
    summary: {
      run_count: num(health.run_count),
      missed_run_count: num(health.missed_run_count),
      failed_job_count: num(health.failed_job_count),
      stale_metadata_count: num(health.stale_metadata_count),
      connector_delivery_failure_count: num(health.connector_delivery_failure_count),
      alert_count: objects(health.alerts).length
    },
    requested_provider: input.requestedProvider,
    eligible_providers: parts.eligible,
    selected_providers: selected,
    suppressed_providers: parts.suppressed,
    suppression_window_minutes: parts.window,
    force: input.force,
    routes: parts.routes,
    matched_rule_ids: parts.rules.map((r) => r.rule_id),
    acknowledgement_required_providers: parts.routes.filter((r) => r.selected && r.acknowledgement_required).map((r) => str(r.provider)),
    controls: CONTROLS_PUBLIC_SAFETY
  };
}

export function healthAlertPlanRecord(plan: JsonObject): EvidenceRecord {
  const suppressed = objects(plan.suppressed_providers);
  return storeRecord({
    kind: KIND.healthAlertPlan,
    sessionId: str(plan.plan_id),
    createdAt: str(plan.generated_at),
    signer: str(plan.generated_by),
    counts: [strings(plan.eligible_providers).length, suppressed.length, strings(plan.acknowledgement_required_providers).length],
    summary: {
      plan_id: str(plan.plan_id),
      health_id: str(plan.health_id),
      alert_level: str(plan.alert_level),
      episode_state: str(plan.episode_state),
      selected_providers: strings(plan.selected_providers),
      suppressed_providers: suppressed.map((s) => str(s.provider)),
      suppressed_provider_count: suppressed.length,
      acknowledgement_required_providers: strings(plan.acknowledgement_required_providers),
      suppression_window_minutes: num(plan.suppression_window_minutes)
    },
    artifact: plan
  });
}

