// Deterministic, seeded evidence generator.
//
//   npm run examples [-- --seed S --out DIR --dense-days D]
//                                          writes examples/evidence/{metadata.json,metadata.db,README.md}:
//                                          14 days of realistic CAVRA evidence ending EXAMPLE_END, with the
//                                          worker simulated every 30 minutes over the last D days (default 3)
//                                          and every 2 hours before that (see EXAMPLE_DENSE_DAYS)
//   npm run examples -- --bulk N --format sqlite|json --out PATH [--seed S] [--end ISO]
//                                          N records over a long history, for the benchmark
//
// No Math.random and no wall clock: the same seed gives byte-identical files.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failedRun, planWorkerPass } from '../src/domain/automation-run.js';
import { normaliseThresholds } from '../src/domain/health.js';
import { hashedId, slug } from '../src/domain/ids.js';
import { automationRunRecord, ownerDigestRecord, retryPlanRecord, storeRecord, suppressionTrendRecord } from '../src/domain/metadata.js';
import {
  CONTROLS_PUBLIC_SAFETY,
  DELIVERY_SOURCE,
  KIND,
  kindOf,
  objects,
  str,
  type EvidenceRecord,
  type Json,
  type JsonObject,
  type MetadataKind
} from '../src/domain/records.js';
import { DEFAULT_RETRY_POLICY } from '../src/domain/retry-plan.js';
import { suppressionRows } from '../src/domain/suppression-trend.js';
import { addMinutes, formatInstant, MICROS_PER_MINUTE, parseInstant, wholeMinutesBetween, type Instant } from '../src/domain/time.js';
import type { EvidenceStore } from '../src/store/evidence-store.js';
import { openEvidenceStore } from '../src/store/open-store.js';
import { SqliteEvidenceStore } from '../src/store/sqlite-store.js';
import { buildHealthReport } from '../src/usecases/health.js';
import { runWorkerPass } from '../src/usecases/worker-pass.js';

// ───────────────────────────── constants ─────────────────────────────

export const EXAMPLE_END_ISO = '2026-11-30T12:00:00+00:00';
export const EXAMPLE_END: Instant = parseInstant(EXAMPLE_END_ISO)!;
export const EXAMPLE_DAYS = 14;
export const EXAMPLE_START: Instant = addMinutes(EXAMPLE_END, -EXAMPLE_DAYS * 24 * 60);
/** The worker's schedule interval in the example (and the health check's expected interval). */
export const EXAMPLE_INTERVAL_MINUTES = 30;
export const EXAMPLE_STALE_MINUTES = 120;
export const EXAMPLE_LOOKBACK_HOURS = 168;
export const EXAMPLE_SEED = 20261130;
export const EXAMPLE_DIR = 'examples/evidence';
/** A good `--now` for demos: five minutes after the example ends. */
export const EXAMPLE_DEMO_NOW: Instant = addMinutes(EXAMPLE_END, 5);
export const EXAMPLE_DEMO_NOW_ISO = formatInstant(EXAMPLE_DEMO_NOW);

export const WORKER_GENERATED_BY = 'github-actions:cavra-recurrence-automation';
export const UPSTREAM_GENERATED_BY = 'cavra-release-bot';
export const WORKER_MAX_DIGEST_PLANS = 5;
export const FAILED_RUN_ERROR = 'runner lost connection to the evidence volume';

/** Scripted irregularities of the example's worker schedule (see README of examples/evidence). */
export const EXAMPLE_WORKER_GAP = { from: '2026-11-25T03:00:00+00:00', to: '2026-11-25T09:30:00+00:00' } as const;
export const EXAMPLE_FAILED_RUN_WINDOW = '2026-11-27T15:30:00+00:00';
/** The upstream recurrence planner stops after this instant (so its stage is stale at the end). */
export const EXAMPLE_PLANNER_OUTAGE_FROM = '2026-11-30T09:00:00+00:00';
/** A connector destination that is gone (HTTP 410) for a while: its retries end suppressed. */
export const EXAMPLE_CONNECTOR_OUTAGE = { provider: 'jira', from: '2026-11-28T08:00:00+00:00', to: '2026-11-28T14:00:00+00:00', status: 410 } as const;
/**
 * Worker passes run every 30 minutes over the last EXAMPLE_DENSE_DAYS days and every 2 hours
 * before that: every pass writes ~100 kB (the run record embeds its retry plan, trend and digests),
 * so 672 passes would make a ~60 MB example. `--dense-days 14` simulates all of them.
 */
export const EXAMPLE_DENSE_DAYS = EXAMPLE_DAYS;

const RECURRENCE_INTERVAL_MINUTES = 60;
const MAX_RECURRENCES = 3;
const ACK_SLO_MINUTES = 60;
const RESOLUTION_SLO_MINUTES = 240;

export const OWNERS: readonly { owner: string; providers: readonly string[]; weight: number }[] = [
  { owner: 'payments-platform', providers: ['slack', 'jira'], weight: 4 },
  { owner: 'identity-core', providers: ['teams', 'servicenow'], weight: 3 },
  { owner: 'edge-network', providers: ['webhook', 'servicenow'], weight: 3 },
  { owner: 'data-pipeline', providers: ['slack', 'webhook'], weight: 3 },
  { owner: 'mobile-release', providers: ['teams', 'jira'], weight: 2 },
  { owner: 'endpoint-fleet', providers: ['servicenow', 'webhook'], weight: 3 },
  { owner: 'release-governance', providers: ['jira', 'slack'], weight: 2 }
];

/** Destinations as the store keeps them: scheme and host only (DESIGN: redaction). */
const DESTINATIONS: Record<string, string> = {
  webhook: 'https://hooks.ops.example.com',
  slack: 'https://hooks.slack.com',
  teams: 'https://prod-27.westeurope.logic.azure.com',
  jira: 'https://example-release.atlassian.net',
  servicenow: 'https://example-release.service-now.com'
};

const FAILURE_CODES: Record<string, readonly number[]> = {
  webhook: [500, 504],
  slack: [429, 429, 503],
  teams: [503, 502],
  jira: [500, 410],
  servicenow: [503, 500]
};

export interface MaintenanceWindow {
  window_id: string;
  start_at: string;
  end_at: string;
  reason: string;
  owners: readonly string[];
  providers: readonly string[];
}

export const MAINTENANCE_WINDOWS: readonly MaintenanceWindow[] = [
  {
    window_id: 'mw-edge-firmware-rollout',
    start_at: '2026-11-19T01:00:00+00:00',
    end_at: '2026-11-19T07:00:00+00:00',
    reason: 'edge firmware rollout change freeze',
    owners: ['edge-network'],
    providers: []
  },
  {
    window_id: 'mw-servicenow-upgrade',
    start_at: '2026-11-22T18:00:00+00:00',
    end_at: '2026-11-23T03:00:00+00:00',
    reason: 'ServiceNow instance upgrade',
    owners: [],
    providers: ['servicenow']
  },
  {
    window_id: 'mw-payments-peak-freeze',
    start_at: '2026-11-27T00:00:00+00:00',
    end_at: '2026-11-28T06:00:00+00:00',
    reason: 'payments peak-season freeze',
    owners: ['payments-platform'],
    providers: []
  },
  {
    window_id: 'mw-jira-cloud-maintenance',
    start_at: '2026-11-30T06:00:00+00:00',
    end_at: '2026-11-30T10:30:00+00:00',
    reason: 'Jira Cloud scheduled maintenance',
    owners: [],
    providers: ['jira']
  }
];

export interface OwnerCalendar {
  owner: string;
  out_of_office: readonly { start_at: string; end_at: string; reason: string }[];
  /** Business hours in UTC, or none. */
  business_hours?: { days: readonly string[]; start: string; end: string };
}

export const OWNER_CALENDARS: readonly OwnerCalendar[] = [
  {
    owner: 'mobile-release',
    out_of_office: [{ start_at: '2026-11-26T00:00:00+00:00', end_at: '2026-11-28T00:00:00+00:00', reason: 'mobile-release team offsite' }]
  },
  {
    owner: 'identity-core',
    out_of_office: [],
    business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:00', end: '19:00' }
  },
  {
    owner: 'data-pipeline',
    out_of_office: [{ start_at: '2026-11-21T00:00:00+00:00', end_at: '2026-11-22T12:00:00+00:00', reason: 'data-pipeline on-call rotation handover' }]
  }
];

// ───────────────────────────── seeded randomness ─────────────────────────────

/** mulberry32: a tiny 32-bit PRNG; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)]!;
  }
  weighted<T extends { weight: number }>(items: readonly T[]): T {
    const total = items.reduce((sum, item) => sum + item.weight, 0);
    let roll = this.#next() * total;
    for (const item of items) {
      roll -= item.weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1]!;
  }
  /** Minutes as microseconds, with sub-second jitter so timestamps look like the seed's. */
  minutes(min: number, max: number): number {
    return Math.round((min + this.#next() * (max - min)) * MICROS_PER_MINUTE);
  }
  micros(): number {
    return Math.floor(this.#next() * 1_000_000);
  }
}

// ───────────────────────────── record builders (reference §1.4, §2) ─────────────────────────────

/** The store envelope (src/domain/metadata.ts), called positionally as the builders below read best. */
function envelope(
  kind: MetadataKind,
  sessionId: string,
  createdAt: string,
  signer: string,
  counts: readonly [number, number, number],
  summary: JsonObject,
  artifact: JsonObject
): EvidenceRecord {
  return storeRecord({ kind, sessionId, createdAt, signer, counts, summary, artifact });
}

export interface RouteSpec {
  reportId: string;
  /** The SLA notification plan the route belongs to (the route's `plan_id`). */
  planId: string;
  provider: string;
  owner: string;
  openedAt: Instant;
  routeKey: string;
}

export function routeKey(planId: string, reportId: string, provider: string, owner: string): string {
  return hashedId('erslaroute', `${planId}|${reportId}|${provider}|${owner}`);
}

function sloState(age: number, target: number): string {
  if (age > target) return 'breached';
  if (age >= target * 0.8) return 'at_risk';
  return 'within_slo';
}

export function routeStatus(route: RouteSpec, at: Instant, acknowledged: boolean): JsonObject {
  const age = Math.max(0, wholeMinutesBetween(route.openedAt, at));
  const ackState = acknowledged ? 'met' : sloState(age, ACK_SLO_MINUTES);
  const resolutionState = sloState(age, RESOLUTION_SLO_MINUTES);
  const level = age >= 240 ? 2 : age >= 60 ? 1 : 0;
  const ladder = [
    { after: null, action: null, providers: [] as string[] },
    { after: 60, action: 'notify_owner', providers: ['slack'] },
    { after: 240, action: 'escalate_to_release_governance', providers: ['jira'] }
  ][level]!;
  const active = ackState === 'breached' || resolutionState === 'breached' || level >= 1;
  return {
    report_id: route.reportId,
    plan_id: route.planId,
    provider: route.provider,
    owner: route.owner,
    alert_level: resolutionState === 'breached' ? 'critical' : 'warning',
    age_minutes: age,
    acknowledgement_state: acknowledged ? 'acknowledged' : 'pending',
    acknowledgement_slo_state: ackState,
    resolution_slo_state: resolutionState,
    acknowledgement_slo_minutes: ACK_SLO_MINUTES,
    resolution_slo_minutes: RESOLUTION_SLO_MINUTES,
    acknowledgement_due_at: formatInstant(addMinutes(route.openedAt, ACK_SLO_MINUTES)),
    resolution_due_at: formatInstant(addMinutes(route.openedAt, RESOLUTION_SLO_MINUTES)),
    escalation_level: level,
    escalation_after_minutes: ladder.after,
    escalation_action: ladder.action,
    escalation_providers: ladder.providers,
    active_escalation: active,
    recommended_action: active
      ? level >= 2
        ? 'escalate to release governance and track the remediation ticket'
        : 'notify the owner and request acknowledgement'
      : 'monitor within SLO'
  };
}

export function escalationPlanRecord(generatedAt: Instant, generatedBy: string, routeStatuses: JsonObject[]): EvidenceRecord {
  const at = formatInstant(generatedAt);
  const planId = hashedId('erslaesc', { generated_at: at, route_statuses: routeStatuses });
  const active = routeStatuses.filter((r) => r.active_escalation === true);
  const ackBreaches = routeStatuses.filter((r) => r.acknowledgement_slo_state === 'breached').length;
  const resolutionBreaches = routeStatuses.filter((r) => r.resolution_slo_state === 'breached').length;
  const owners = new Map<string, { owner: string; route_count: number; active_escalation_count: number; providers: Set<string> }>();
  for (const r of routeStatuses) {
    const o = owners.get(str(r.owner)) ?? { owner: str(r.owner), route_count: 0, active_escalation_count: 0, providers: new Set<string>() };
    o.route_count += 1;
    if (r.active_escalation === true) o.active_escalation_count += 1;
    o.providers.add(str(r.provider));
    owners.set(o.owner, o);
  }
  const ownerList = [...owners.values()]
    .sort((a, b) => (a.owner < b.owner ? -1 : 1))
    .map((o) => ({ owner: o.owner, route_count: o.route_count, active_escalation_count: o.active_escalation_count, providers: [...o.providers].sort() }));
  const alertLevel = active.length > 0 ? 'critical' : 'healthy';
  const plan: JsonObject = {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_plan.v1',
    product: 'CAVRA',
    plan_id: planId,
    generated_at: at,
    generated_by: generatedBy,
    alert_level: alertLevel,
    route_count: routeStatuses.length,
    active_escalation_count: active.length,
    acknowledgement_breach_count: ackBreaches,
    resolution_breach_count: resolutionBreaches,
    owner_count: ownerList.length,
    owners: ownerList,
    route_statuses: routeStatuses,
    controls: CONTROLS_PUBLIC_SAFETY
  };
  return envelope(
    KIND.escalationPlan,
    planId,
    at,
    generatedBy,
    [routeStatuses.length, active.length, ackBreaches],
    {
      plan_id: planId,
      alert_level: alertLevel,
      route_count: routeStatuses.length,
      active_escalation_count: active.length,
      acknowledgement_breach_count: ackBreaches,
      resolution_breach_count: resolutionBreaches,
      owner_count: ownerList.length,
      owners: ownerList.map((o) => o.owner)
    },
    plan
  );
}

export function reviewRecord(route: RouteSpec, state: string, reviewedBy: string, reviewedAt: Instant, notes: string): EvidenceRecord {
  const at = formatInstant(reviewedAt);
  const reviewId = hashedId('erslaescr', `${route.planId}|${route.reportId}|${route.provider}|${route.owner}|${state}|${reviewedBy}|${at}`);
  const externalRef = `${route.owner.toUpperCase().replace(/[^A-Z]/g, '').slice(0, 4)}-${parseInt(reviewId.slice(-4), 16) % 9000 + 1000}`;
  const review: JsonObject = {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_review.v1',
    product: 'CAVRA',
    review_id: reviewId,
    route_key: route.routeKey,
    plan_id: route.planId,
    report_id: route.reportId,
    provider: route.provider,
    owner: route.owner,
    review_state: state,
    reviewed_by: reviewedBy,
    reviewed_at: at,
    external_ref: externalRef,
    notes,
    controls: CONTROLS_PUBLIC_SAFETY
  };
  return envelope(
    KIND.escalationReview,
    reviewId,
    at,
    reviewedBy,
    [1, state === 'escalated' ? 1 : 0, ['accepted', 'deferred', 'escalated'].includes(state) ? 1 : 0],
    {
      plan_id: route.planId,
      report_id: route.reportId,
      provider: route.provider,
      owner: route.owner,
      review_state: state,
      external_ref: externalRef
    },
    review
  );
}

export type RouteAction = 'deliver' | 'wait' | 'suppress';

export interface RouteDecisionInput {
  route: RouteSpec;
  action: RouteAction;
  reason: string;
  reviewState: string | null;
  latestReviewId: string | null;
  recurrenceCount: number;
  latestDeliveryAt: Instant | undefined;
  maintenanceWindow: JsonObject | null;
  ownerAvailability: JsonObject;
}

export function routeDecision(d: RouteDecisionInput): JsonObject {
  return {
    route_key: d.route.routeKey,
    plan_id: d.route.planId,
    report_id: d.route.reportId,
    provider: d.route.provider,
    owner: d.route.owner,
    action: d.action,
    reason: d.reason,
    review_state: d.reviewState,
    latest_review_id: d.latestReviewId,
    recurrence_count: d.recurrenceCount,
    max_recurrences: MAX_RECURRENCES,
    recurrence_interval_minutes: RECURRENCE_INTERVAL_MINUTES,
    latest_delivery_at: d.latestDeliveryAt === undefined ? null : formatInstant(d.latestDeliveryAt),
    next_delivery_at: d.latestDeliveryAt === undefined ? null : formatInstant(addMinutes(d.latestDeliveryAt, RECURRENCE_INTERVAL_MINUTES)),
    maintenance_window: d.maintenanceWindow,
    owner_availability: d.ownerAvailability,
    recommended_action: d.action === 'deliver' ? 'deliver reminder' : d.action === 'wait' ? 'wait for next recurrence' : 'review suppression'
  };
}

function countActions(decisions: readonly JsonObject[]) {
  const by = (action: string) => decisions.filter((d) => d.action === action);
  const suppressed = by('suppress');
  return {
    deliver: by('deliver'),
    wait: by('wait'),
    suppress: suppressed,
    maintenance: suppressed.filter((d) => d.maintenance_window !== null && typeof d.maintenance_window === 'object').length,
    calendar: suppressed.filter((d) => str(d.reason).startsWith('owner ')).length,
    maxRecurrence: suppressed.filter((d) => str(d.reason).includes('maximum recurrence')).length,
    review: suppressed.filter((d) => str(d.reason).startsWith('review state')).length
  };
}

export function recurrencePlanRecord(generatedAt: Instant, generatedBy: string, planId: string, decisions: JsonObject[]): EvidenceRecord {
  const at = formatInstant(generatedAt);
  const recurrencePlanId = hashedId('erslaescrp', { generated_at: at, plan_id: planId, route_decisions: decisions });
  const c = countActions(decisions);
  const alertLevel = c.deliver.length > 0 ? 'critical' : c.wait.length > 0 ? 'warning' : 'healthy';
  const plan: JsonObject = {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_recurrence_plan.v1',
    product: 'CAVRA',
    recurrence_plan_id: recurrencePlanId,
    plan_id: planId,
    generated_at: at,
    generated_by: generatedBy,
    alert_level: alertLevel,
    route_count: decisions.length,
    deliverable_route_count: c.deliver.length,
    waiting_route_count: c.wait.length,
    suppressed_route_count: c.suppress.length,
    maintenance_suppressed_count: c.maintenance,
    calendar_suppressed_count: c.calendar,
    recurrence_interval_minutes: RECURRENCE_INTERVAL_MINUTES,
    max_recurrences_per_route: MAX_RECURRENCES,
    route_decisions: decisions,
    controls: CONTROLS_PUBLIC_SAFETY
  };
  return envelope(
    KIND.recurrencePlan,
    recurrencePlanId,
    at,
    generatedBy,
    [decisions.length, c.suppress.length, c.deliver.length],
    {
      recurrence_plan_id: recurrencePlanId,
      plan_id: planId,
      alert_level: alertLevel,
      route_count: decisions.length,
      deliverable_route_count: c.deliver.length,
      waiting_route_count: c.wait.length,
      suppressed_route_count: c.suppress.length,
      maintenance_suppressed_count: c.maintenance,
      calendar_suppressed_count: c.calendar
    },
    plan
  );
}

export function suppressionAuditRecord(generatedAt: Instant, generatedBy: string, recurrencePlan: JsonObject): EvidenceRecord {
  const at = formatInstant(generatedAt);
  const decisions = objects(recurrencePlan.route_decisions);
  const c = countActions(decisions);
  const recurrencePlanId = str(recurrencePlan.recurrence_plan_id);
  const auditId = hashedId('erslaescaudit', {
    recurrence_plan_id: recurrencePlanId,
    generated_at: at,
    suppressed_routes: c.suppress,
    waiting_routes: c.wait
  });
  const alertLevel = c.suppress.length + c.wait.length > 0 ? 'warning' : 'healthy';
  const summary = {
    route_count: decisions.length,
    deliverable_route_count: c.deliver.length,
    waiting_route_count: c.wait.length,
    suppressed_route_count: c.suppress.length,
    maintenance_suppressed_count: c.maintenance,
    calendar_suppressed_count: c.calendar,
    max_recurrence_suppressed_count: c.maxRecurrence,
    review_suppressed_count: c.review,
    interval_wait_count: c.wait.filter((d) => str(d.reason).includes('interval')).length
  };
  const bundleDir = `.cavra/release/endpoint-remediation-sla-escalation-suppression-audit/${auditId}`;
  const audit: JsonObject = {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_suppression_audit.v1',
    product: 'CAVRA',
    audit_id: auditId,
    recurrence_plan_id: recurrencePlanId,
    plan_id: recurrencePlan.plan_id ?? null,
    generated_at: at,
    generated_by: generatedBy,
    alert_level: alertLevel,
    summary,
    suppressed_routes: c.suppress,
    waiting_routes: c.wait,
    deliverable_routes: c.deliver,
    controls: CONTROLS_PUBLIC_SAFETY
  };
  return envelope(
    KIND.suppressionAudit,
    auditId,
    at,
    generatedBy,
    [decisions.length, c.suppress.length, c.wait.length],
    {
      audit_id: auditId,
      recurrence_plan_id: recurrencePlanId,
      plan_id: recurrencePlan.plan_id ?? null,
      alert_level: alertLevel,
      suppressed_route_count: c.suppress.length,
      waiting_route_count: c.wait.length,
      maintenance_suppressed_count: c.maintenance,
      calendar_suppressed_count: c.calendar,
      bundle_dir: bundleDir
    },
    audit
  );
}

export interface ProviderResult {
  provider: string;
  /** HTTP status of the last attempt. */
  statusCode: number;
  attempts: number;
}

export function connectorDeliveryRecord(
  generatedAt: Instant,
  source: string,
  eventId: string,
  eventType: string,
  planId: string | null,
  results: readonly ProviderResult[]
): EvidenceRecord {
  const at = formatInstant(generatedAt);
  const providers = results.map((r) => r.provider).sort();
  const failed = results.filter((r) => r.statusCode < 200 || r.statusCode >= 300).map((r) => r.provider).sort();
  const statusCodes: Record<string, number> = {};
  for (const r of [...results].sort((a, b) => (a.provider < b.provider ? -1 : 1))) statusCodes[r.provider] = r.statusCode;
  const attemptCount = results.reduce((sum, r) => sum + r.attempts, 0);
  const maxAttempts = results.reduce((max, r) => Math.max(max, r.attempts), 0);
  const sessionId = hashedId(`rcd-${slug(eventId)}`, `${eventId}|${at}|${providers.join(',')}`, 12);
  const success = failed.length === 0;
  const evidencePath = `.cavra/release/endpoint-remediation-sla-escalation-recurrence-deliveries/${eventId}-connector-delivery.json`;
  const delivery: JsonObject = {
    schema_version: 'cavra.connector_delivery.v1',
    product: 'CAVRA',
    source,
    event_id: eventId,
    event_type: eventType,
    generated_at: at,
    delivery_success: success,
    providers,
    failed_providers: failed,
    attempt_count: attemptCount,
    max_attempt_count: maxAttempts,
    status_codes: statusCodes,
    results: [...results]
      .sort((a, b) => (a.provider < b.provider ? -1 : 1))
      .map((r) => ({
        provider: r.provider,
        success: r.statusCode >= 200 && r.statusCode < 300,
        status_code: r.statusCode,
        attempt_count: r.attempts,
        destination: DESTINATIONS[r.provider] ?? 'https://connector.example.com',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'REDACTED' },
        error: r.statusCode >= 200 && r.statusCode < 300 ? null : `HTTP ${r.statusCode}`
      })),
    controls: CONTROLS_PUBLIC_SAFETY
  };
  return envelope(
    KIND.connectorDelivery,
    sessionId,
    at,
    source,
    [0, failed.length, 0],
    {
      connector_delivery_source: source,
      event_id: eventId,
      event_type: eventType,
      plan_id: planId,
      delivery_success: success,
      providers,
      failed_providers: failed,
      attempt_count: attemptCount,
      max_attempt_count: maxAttempts,
      status_codes: statusCodes,
      delivery_evidence: evidencePath
    },
    delivery
  );
}

const RECURRENCE_EVENT_TYPE = 'cavra.endpoint_remediation_sla.escalation_recurrence_delivery';

// ───────────────────────────── policy evaluation (maintenance, calendars) ─────────────────────────────

function activeMaintenance(route: RouteSpec, at: Instant): JsonObject | null {
  for (const w of MAINTENANCE_WINDOWS) {
    if (at < parseInstant(w.start_at)! || at >= parseInstant(w.end_at)!) continue;
    if (w.owners.length > 0 && !w.owners.includes(route.owner)) continue;
    if (w.providers.length > 0 && !w.providers.includes(route.provider)) continue;
    return { window_id: w.window_id, start_at: w.start_at, end_at: w.end_at, reason: w.reason };
  }
  return null;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function ownerAvailability(owner: string, at: Instant): JsonObject {
  const calendar = OWNER_CALENDARS.find((c) => c.owner === owner);
  if (!calendar) return { available: true, reason: 'no owner calendar' };
  for (const w of calendar.out_of_office) {
    if (at >= parseInstant(w.start_at)! && at < parseInstant(w.end_at)!) {
      return { available: false, reason: `owner out of office: ${w.reason}`, window: { start_at: w.start_at, end_at: w.end_at, reason: w.reason } };
    }
  }
  const hours = calendar.business_hours;
  if (hours) {
    const date = new Date(Math.floor(at / 1000));
    const day = WEEKDAYS[date.getUTCDay()]!;
    const hhmm = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
    if (!hours.days.includes(day) || hhmm < hours.start || hhmm > hours.end) {
      return {
        available: false,
        reason: `owner outside business hours (${hours.days.join(',')} ${hours.start}-${hours.end} UTC)`,
        window: { days: [...hours.days], start: hours.start, end: hours.end }
      };
    }
  }
  return { available: true, reason: 'within business hours' };
}

// ───────────────────────────── the example simulation ─────────────────────────────

interface RouteState {
  spec: RouteSpec;
  closesAt: Instant;
  acknowledged: boolean;
  reviewState: string | null;
  latestReviewId: string | null;
  lastDeliveryAt: Instant | undefined;
  recurrence: { escalationPlanId: string; count: number };
}

interface AgendaItem {
  at: Instant;
  seq: number;
  label: string;
  run: () => void | Promise<void>;
}

class Agenda {
  #items: AgendaItem[] = [];
  #seq = 0;
  push(at: Instant, label: string, run: () => void | Promise<void>): void {
    const item = { at, seq: this.#seq++, label, run };
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.#items[mid]!;
      if (m.at < at || (m.at === at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#items.splice(lo, 0, item);
  }
  shift(): AgendaItem | undefined {
    return this.#items.shift();
  }
}

export interface ExampleOptions {
  dir?: string;
  seed?: number;
  /** Worker passes every 30 minutes over the whole period (default); or only over the last N days, every 2 hours before. */
  denseDays?: number;
  log?: (line: string) => void;
}

export interface ExampleStats {
  dir: string;
  records: number;
  countsByKind: Record<string, number>;
  workerPasses: number;
  failedRuns: number;
  elapsedMs: number;
  bytes: { metadataJson: number };
}

/** Simulates the upstream planner and the worker over 14 days; returns every record, oldest first. */
export async function simulateExample(seed = EXAMPLE_SEED, denseDays = EXAMPLE_DENSE_DAYS, log: (line: string) => void = () => {}) {
  const rng = new Rng(seed);
  const store = new SqliteEvidenceStore(':memory:', EXAMPLE_START);
  const agenda = new Agenda();
  const routes = new Map<string, RouteState>();
  let reportSeq = 0;
  let escalation: { planId: string; at: Instant; active: RouteSpec[] } | undefined;
  let plannerStopped = false;
  let workerPasses = 0;
  let failedRuns = 0;
  const write = (record: EvidenceRecord) => store.write([record]);

  // ── routes: SLA reports open, get reviewed, close ──
  const openReport = (at: Instant) => {
    const o = rng.weighted(OWNERS);
    reportSeq += 1;
    const reportId = hashedId('erslarpt', { owner: o.owner, opened_at: formatInstant(at), sequence: reportSeq });
    const notificationPlanId = hashedId('erslanp', { report_id: reportId });
    const providers = rng.chance(0.2) ? [...o.providers] : [rng.pick(o.providers)];
    const fate = rng.float();
    for (const provider of providers) {
      const spec: RouteSpec = {
        reportId,
        planId: notificationPlanId,
        provider,
        owner: o.owner,
        openedAt: at,
        routeKey: routeKey(notificationPlanId, reportId, provider, o.owner)
      };
      const state: RouteState = {
        spec,
        closesAt: at + rng.minutes(10 * 60, 40 * 60),
        acknowledged: false,
        reviewState: null,
        latestReviewId: null,
        lastDeliveryAt: undefined,
        recurrence: { escalationPlanId: '', count: 0 }
      };
      routes.set(spec.routeKey, state);
      const reviewer = `${o.owner}-oncall`;
      if (fate < 0.45) {
        // Resolved (or dismissed as a false positive) by the owner, then drops out of the SLA report.
        const reviewAt = at + rng.minutes(3 * 60, 24 * 60);
        const reviewState = rng.chance(0.8) ? 'resolved' : 'false_positive';
        state.closesAt = reviewAt + rng.minutes(6 * 60, 10 * 60);
        agenda.push(reviewAt, 'review', () => {
          const record = reviewRecord(spec, reviewState, reviewer, reviewAt, reviewState === 'resolved' ? 'remediation deployed and verified' : 'finding does not apply to this endpoint');
          state.reviewState = reviewState;
          state.latestReviewId = record.session_id;
          write(record);
        });
      } else if (fate < 0.65) {
        const reviewAt = at + rng.minutes(90, 10 * 60);
        const reviewState = rng.pick(['accepted', 'accepted', 'deferred', 'escalated']);
        agenda.push(reviewAt, 'review', () => {
          const record = reviewRecord(spec, reviewState, reviewer, reviewAt, `owner review: ${reviewState}`);
          state.reviewState = reviewState;
          state.latestReviewId = record.session_id;
          state.acknowledged = true;
          write(record);
        });
      }
    }
  };

  // Routes already open when the example starts, then new ones about every 100 minutes.
  for (let i = 0; i < 6; i++) openReport(EXAMPLE_START - rng.minutes(60, 30 * 60));
  for (let at = EXAMPLE_START + rng.minutes(10, 100); at < EXAMPLE_END; at += rng.minutes(80, 280)) {
    const when = at;
    agenda.push(when, 'report', () => openReport(when));
  }

  // ── escalation plans every 8 hours ──
  const openRoutesAt = (at: Instant) => [...routes.values()].filter((r) => r.spec.openedAt <= at && r.closesAt > at);
  for (let at = addMinutes(EXAMPLE_START, -8 * 60 + 5); at < EXAMPLE_END; at = addMinutes(at, 8 * 60)) {
    const when = at + rng.minutes(0, 3);
    agenda.push(when, 'escalation-plan', () => {
      const open = openRoutesAt(when).sort((a, b) => (a.spec.routeKey < b.spec.routeKey ? -1 : 1));
      const statuses = open.map((r) => routeStatus(r.spec, when, r.acknowledged));
      const record = escalationPlanRecord(when, UPSTREAM_GENERATED_BY, statuses);
      escalation = { planId: record.session_id, at: when, active: open.filter((_, i) => statuses[i]!.active_escalation === true).map((r) => r.spec) };
      write(record);
    });
  }

  // ── deliveries of a recurrence plan's deliver routes, and operator re-deliveries of failures ──
  const attemptsFor = (code: number) => (code >= 200 && code < 300 ? 1 : code === 410 ? 1 : 3);
  const outageFrom = parseInstant(EXAMPLE_CONNECTOR_OUTAGE.from)!;
  const outageTo = parseInstant(EXAMPLE_CONNECTOR_OUTAGE.to)!;
  const deliver = (at: Instant, recurrencePlanId: string, planId: string, decisions: JsonObject[], providers: string[], attempt: number, forced?: Record<string, number>) => {
    const results: ProviderResult[] = providers.map((provider) => {
      const gone = provider === EXAMPLE_CONNECTOR_OUTAGE.provider && at >= outageFrom && at < outageTo;
      const forcedCode = forced?.[provider] ?? (gone ? EXAMPLE_CONNECTOR_OUTAGE.status : undefined);
      const failing = forcedCode !== undefined ? forcedCode >= 300 : rng.chance(attempt === 1 ? 0.03 : 0.35);
      const code = forcedCode ?? (failing ? rng.pick(FAILURE_CODES[provider]!) : rng.pick([200, 200, 200, 201, 202, 204]));
      return { provider, statusCode: code, attempts: attemptsFor(code) };
    });
    write(connectorDeliveryRecord(at, DELIVERY_SOURCE.recurrence, recurrencePlanId, RECURRENCE_EVENT_TYPE, planId, results));
    for (const result of results) {
      const ok = result.statusCode >= 200 && result.statusCode < 300;
      if (ok) {
        for (const d of decisions) {
          if (d.action !== 'deliver' || d.provider !== result.provider) continue;
          const state = routes.get(str(d.route_key));
          if (!state) continue;
          state.lastDeliveryAt = at;
          if (state.recurrence.escalationPlanId === planId) state.recurrence.count += 1;
          else state.recurrence = { escalationPlanId: planId, count: 1 };
        }
      } else if (forced === undefined && attempt < 3 && result.statusCode !== 410 && rng.chance(0.5)) {
        // An operator re-runs the delivery for the failed provider later.
        const again = at + rng.minutes(20, 150);
        if (again < EXAMPLE_END - 30 * MICROS_PER_MINUTE) {
          agenda.push(again, 'redelivery', () => deliver(again, recurrencePlanId, planId, decisions, [result.provider], attempt + 1));
        }
      } else if (forced === undefined && result.statusCode === 410 && attempt < 3) {
        // A gone destination keeps failing until someone fixes the connector configuration.
        const again = at + rng.minutes(25, 60);
        if (again < EXAMPLE_END - 30 * MICROS_PER_MINUTE) {
          agenda.push(again, 'redelivery', () => deliver(again, recurrencePlanId, planId, decisions, [result.provider], attempt + 1));
        }
      }
    }
  };

  // ── recurrence plans every 2 hours, at hh:40 ──
  let recurrenceCount = 0;
  let lastRecurrence: { id: string; planId: string; decisions: JsonObject[] } | undefined;
  for (let at = addMinutes(EXAMPLE_START, 40); at < EXAMPLE_END; at = addMinutes(at, 120)) {
    const when = at + rng.minutes(0, 1.5);
    agenda.push(when, 'recurrence-plan', () => {
      if (!escalation || plannerStopped) return;
      if (when >= parseInstant(EXAMPLE_PLANNER_OUTAGE_FROM)!) {
        plannerStopped = true;
        log(`  upstream recurrence planner stops at ${formatInstant(when)} (stale recurrence-plan stage at the end)`);
        return;
      }
      const decisions: JsonObject[] = [];
      for (const spec of escalation.active) {
        const state = routes.get(spec.routeKey)!;
        const count = state.recurrence.escalationPlanId === escalation.planId ? state.recurrence.count : 0;
        const maintenance = activeMaintenance(spec, when);
        const availability = ownerAvailability(spec.owner, when);
        let action: RouteAction = 'deliver';
        let reason = 'active escalation is due for recurrence';
        if (state.reviewState === 'resolved' || state.reviewState === 'false_positive') {
          action = 'suppress';
          reason = `review state ${state.reviewState}`;
        } else if (maintenance) {
          action = 'suppress';
          reason = `maintenance window ${str(maintenance.window_id)} is active: ${str(maintenance.reason)}`;
        } else if (availability.available === false) {
          action = 'suppress';
          reason = str(availability.reason);
        } else if (count >= MAX_RECURRENCES) {
          action = 'suppress';
          reason = `maximum recurrence count ${MAX_RECURRENCES} reached`;
        } else if (state.lastDeliveryAt !== undefined && addMinutes(state.lastDeliveryAt, RECURRENCE_INTERVAL_MINUTES) > when) {
          action = 'wait';
          reason = `recurrence interval ${RECURRENCE_INTERVAL_MINUTES} minutes has not elapsed`;
        }
        decisions.push(
          routeDecision({
            route: spec,
            action,
            reason,
            reviewState: state.reviewState,
            latestReviewId: state.latestReviewId,
            recurrenceCount: count,
            latestDeliveryAt: state.lastDeliveryAt,
            maintenanceWindow: reason.startsWith('maintenance window') ? maintenance : null,
            ownerAvailability: availability
          })
        );
      }
      const record = recurrencePlanRecord(when, UPSTREAM_GENERATED_BY, escalation.planId, decisions);
      const id = record.session_id;
      const planId = escalation.planId;
      lastRecurrence = { id, planId, decisions };
      write(record);
      recurrenceCount += 1;
      // The delivery batch: usually minutes later, sometimes queued for over an hour (the next
      // plan then finds the recurrence interval not yet elapsed).
      const providers = [...new Set(decisions.filter((d) => d.action === 'deliver').map((d) => str(d.provider)))].sort();
      if (providers.length > 0) {
        const batchAt = when + (rng.chance(0.22) ? rng.minutes(62, 105) : rng.minutes(4, 20));
        agenda.push(batchAt, 'recurrence-delivery', () => deliver(batchAt, id, planId, decisions, providers, 1));
      }
      // A suppression audit for every third plan.
      if (recurrenceCount % 3 === 0) {
        const auditAt = when + rng.minutes(1, 6);
        const plan = record.recurrence_plan as JsonObject;
        agenda.push(auditAt, 'suppression-audit', () => write(suppressionAuditRecord(auditAt, UPSTREAM_GENERATED_BY, plan)));
      }
    });
  }

  // ── scripted tail: re-deliveries of the newest plan's failures (a wait decision at the end) ──
  const tail = (at: Instant, code: number) => {
    agenda.push(at, 'tail-redelivery', () => {
      if (!lastRecurrence) return;
      const deliverable = lastRecurrence.decisions.filter((d) => d.action === 'deliver').map((d) => str(d.provider));
      const provider = deliverable.includes('slack') ? 'slack' : (deliverable.sort()[0] ?? 'slack');
      deliver(at, lastRecurrence.id, lastRecurrence.planId, lastRecurrence.decisions, [provider], 2, { [provider]: code });
    });
  };
  tail(addMinutes(EXAMPLE_END, -41) + 318_204, 429);
  tail(addMinutes(EXAMPLE_END, -9) + 771_530, 503);

  // ── the worker, every 30 minutes (GitHub's scheduler starts it 12-18 minutes late) ──
  const gapFrom = parseInstant(EXAMPLE_WORKER_GAP.from)!;
  const gapTo = parseInstant(EXAMPLE_WORKER_GAP.to)!;
  const failedWindow = parseInstant(EXAMPLE_FAILED_RUN_WINDOW)!;
  const denseFrom = addMinutes(EXAMPLE_END, -denseDays * 24 * 60);
  const schedule = { intervalMinutes: EXAMPLE_INTERVAL_MINUTES, enabled: true };
  for (let window = EXAMPLE_START; window < EXAMPLE_END; window = addMinutes(window, EXAMPLE_INTERVAL_MINUTES)) {
    if (window >= gapFrom && window < gapTo) continue;
    if (window < denseFrom && (window - EXAMPLE_START) % (120 * MICROS_PER_MINUTE) !== 0) continue;
    const at = window + rng.minutes(12, 18);
    if (at > addMinutes(EXAMPLE_END, -40)) continue; // the last run lands ~45 minutes before the end
    if (window === failedWindow) {
      agenda.push(at, 'worker-failed', () => {
        const run = failedRun(
          { now: at, schedule, dryRun: true, generatedBy: WORKER_GENERATED_BY, retryPolicy: DEFAULT_RETRY_POLICY, maxDigestPlans: WORKER_MAX_DIGEST_PLANS },
          FAILED_RUN_ERROR
        );
        write(automationRunRecord(run));
        failedRuns += 1;
      });
      continue;
    }
    agenda.push(at, 'worker', async () => {
      await runWorkerPass({
        store,
        now: at,
        lookbackHours: EXAMPLE_LOOKBACK_HOURS,
        schedule,
        execute: false,
        generatedBy: WORKER_GENERATED_BY,
        retryPolicy: DEFAULT_RETRY_POLICY,
        maxDigestPlans: WORKER_MAX_DIGEST_PLANS
      });
      workerPasses += 1;
      if (workerPasses % 96 === 0) log(`  ${workerPasses} worker passes simulated (now ${formatInstant(at)})`);
    });
  }

  for (let item = agenda.shift(); item; item = agenda.shift()) {
    if (item.at >= EXAMPLE_END) break;
    await item.run();
  }

  const records = store.recordsSince(Object.values(KIND), 0).reverse() as EvidenceRecord[];
  return { store, records, workerPasses, failedRuns };
}

/** Checks that the example exercises what it is meant to; throws with the reasons if not. */
export function checkExample(store: EvidenceStore, records: readonly JsonObject[]): JsonObject {
  const problems: string[] = [];
  const plans = records.filter((r) => kindOf(r) === KIND.recurrencePlan);
  const decisions = plans.flatMap((r) => objects((r.recurrence_plan as JsonObject).route_decisions));
  const owners = new Set(decisions.map((d) => str(d.owner)));
  const providers = new Set(decisions.map((d) => str(d.provider)));
  const actions = new Set(decisions.map((d) => str(d.action)));
  if (owners.size < 6) problems.push(`only ${owners.size} owners in route decisions`);
  if (providers.size < 5) problems.push(`only providers ${[...providers].join(',')}`);
  for (const a of ['deliver', 'wait', 'suppress']) if (!actions.has(a)) problems.push(`no ${a} decision`);
  const categories = new Set(suppressionRows(records).map((r) => r.category));
  for (const c of ['maintenance_window', 'owner_calendar', 'maximum_recurrence', 'recurrence_interval_wait', 'owner_review']) {
    if (!categories.has(c)) problems.push(`no ${c} suppression`);
  }
  // The retry plan as of the demo instant.
  const history = store
    .recordsSince([KIND.recurrencePlan, KIND.connectorDelivery], addMinutes(EXAMPLE_DEMO_NOW, -EXAMPLE_LOOKBACK_HOURS * 60))
    .filter((r) => kindOf(r) !== KIND.connectorDelivery || r.connector_delivery_source === DELIVERY_SOURCE.recurrence);
  const pass = planWorkerPass({
    history,
    now: EXAMPLE_DEMO_NOW,
    schedule: { intervalMinutes: EXAMPLE_INTERVAL_MINUTES, enabled: true },
    dryRun: true,
    generatedBy: WORKER_GENERATED_BY,
    retryPolicy: DEFAULT_RETRY_POLICY,
    maxDigestPlans: WORKER_MAX_DIGEST_PLANS
  });
  const retryActions: Record<string, number> = {};
  for (const d of objects(pass.retryPlan.retry_decisions)) retryActions[str(d.action)] = (retryActions[str(d.action)] ?? 0) + 1;
  for (const a of ['retry', 'wait', 'suppress']) if (!retryActions[a]) problems.push(`retry plan at ${EXAMPLE_DEMO_NOW_ISO} has no ${a} decision`);
  if (pass.digests.length === 0) problems.push('no owner digest at the end');
  if (problems.length > 0) throw new Error(`example evidence does not exercise everything it should:\n  ${problems.join('\n  ')}`);
  return {
    owners: [...owners].sort(),
    providers: [...providers].sort(),
    suppression_categories: [...categories].sort(),
    retry_actions_at_demo_now: retryActions,
    owner_digests_at_demo_now: pass.digests.length
  };
}

/** Writes examples/evidence/metadata.json (deleted first) in a few batches. Only the JSON store is
 * committed: it is the seed's own format; commands given both stores read both and write to both. */
export async function generateExampleEvidence(options: ExampleOptions = {}): Promise<ExampleStats & { checks: JsonObject; health: JsonObject }> {
  const started = performance.now();
  const dir = resolve(options.dir ?? EXAMPLE_DIR);
  const log = options.log ?? (() => {});
  const { store, records, workerPasses, failedRuns } = await simulateExample(options.seed ?? EXAMPLE_SEED, options.denseDays ?? EXAMPLE_DENSE_DAYS, log);
  const checks = checkExample(store, records);
  store.close();

  const metadataJson = join(dir, 'metadata.json');
  mkdirSync(dir, { recursive: true });
  rmSync(metadataJson, { force: true });
  const out = openEvidenceStore({ metadataJson }, EXAMPLE_START);
  const batches = 4;
  const size = Math.ceil(records.length / batches);
  for (let i = 0; i < records.length; i += size) out.write(records.slice(i, i + size));
  const healthAt = (now: Instant) =>
    buildHealthReport({
      store: out,
      now,
      thresholds: normaliseThresholds(EXAMPLE_INTERVAL_MINUTES, EXAMPLE_STALE_MINUTES),
      lookbackHours: EXAMPLE_LOOKBACK_HOURS
    });
  const health = healthAt(EXAMPLE_DEMO_NOW);
  const healthLater = healthAt(addMinutes(EXAMPLE_END, 20));
  out.close();

  const countsByKind: Record<string, number> = {};
  for (const r of records) countsByKind[kindOf(r)] = (countsByKind[kindOf(r)] ?? 0) + 1;
  const stats = {
    dir,
    records: records.length,
    countsByKind: Object.fromEntries(Object.entries(countsByKind).sort(([a], [b]) => (a < b ? -1 : 1))),
    workerPasses,
    failedRuns,
    elapsedMs: Math.round(performance.now() - started),
    bytes: { metadataJson: statSync(metadataJson).size },
    checks,
    health
  };
  writeFileSync(join(dir, 'README.md'), exampleReadme(stats, options.seed ?? EXAMPLE_SEED, options.denseDays ?? EXAMPLE_DENSE_DAYS, healthLater));
  return stats;
}

function healthLine(report: JsonObject): string {
  const alerts = objects(report.alerts).map((a) => `${str(a.category)} (${str(a.severity)}): ${str(a.message).replace(/\.$/, '')}`);
  return `\`${str(report.alert_level)}\`, latest run ${str(report.latest_run_age_minutes)} minutes old${alerts.length ? `; ${alerts.join('; ')}` : ''}`;
}

function exampleReadme(stats: ExampleStats & { checks: JsonObject; health: JsonObject }, seed: number, denseDays: number, later: JsonObject): string {
  const checks = stats.checks;
  const retry = checks.retry_actions_at_demo_now as JsonObject;
  const kinds = Object.entries(stats.countsByKind).map(([kind, n]) => `| \`${kind}\` | ${n} |`);
  const kb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `# Example evidence

Generated by \`npm run examples\` (\`scripts/generate-evidence.ts\`, seed ${seed}); do not edit by hand. The
same seed gives a byte-identical file. \`metadata.json\` (${kb(stats.bytes.metadataJson)}) holds ${stats.records} records in
CAVRA's shapes (reference §1.4), in the object form \`{"items": [...]}\`. Only the JSON store is committed; a
command given \`--sqlite\` as well reads both stores and writes its new records to both.

${EXAMPLE_DAYS} days of evidence ending **${EXAMPLE_END_ISO}**. Try the commands with
\`--now ${EXAMPLE_DEMO_NOW_ISO}\` (five minutes after the end).

## What happened

- SLA reports open about every three hours for ${(checks.owners as string[]).length} owners (${(checks.owners as string[]).join(', ')}),
  routed to ${(checks.providers as string[]).join(', ')}; owners review them (resolved, false_positive,
  accepted, deferred, escalated).
- An escalation plan every 8 hours; a recurrence plan every 2 hours (hh:40) from the newest escalation
  plan, with deliver, wait and suppress decisions: owner reviews, maintenance windows
  (${MAINTENANCE_WINDOWS.map((w) => w.window_id).join(', ')}), owner calendars (${OWNER_CALENDARS.map((c) => c.owner).join(', ')}),
  the maximum of ${MAX_RECURRENCES} recurrences and the ${RECURRENCE_INTERVAL_MINUTES}-minute interval. A suppression audit for every third plan.
- Each plan's deliver routes are delivered minutes later (sometimes over an hour later); some
  providers fail (429, 500, 502, 503, 504) and an operator re-delivers; the ${EXAMPLE_CONNECTOR_OUTAGE.provider} destination is gone (HTTP ${EXAMPLE_CONNECTOR_OUTAGE.status})
  from ${EXAMPLE_CONNECTOR_OUTAGE.from} to ${EXAMPLE_CONNECTOR_OUTAGE.to}.
- The worker (dry run, \`${WORKER_GENERATED_BY}\`) ran ${stats.workerPasses} passes plus ${stats.failedRuns} that failed: every 30 minutes over
  the last ${denseDays} days${denseDays < EXAMPLE_DAYS ? ' and every 2 hours before that' : ''}, started 12 to 18
  minutes into each window. No runs from ${EXAMPLE_WORKER_GAP.from} to ${EXAMPLE_WORKER_GAP.to}; the run of the
  ${EXAMPLE_FAILED_RUN_WINDOW} window failed ("${FAILED_RUN_ERROR}"); the last run is about 45 minutes before the end.
- The upstream recurrence planner stops at ${EXAMPLE_PLANNER_OUTAGE_FROM}, so its stage is stale at the end.

## What the commands should show at ${EXAMPLE_DEMO_NOW_ISO}

- Retry plan: ${Object.entries(retry).map(([a, n]) => `${n} ${a}`).join(', ')} decisions; ${str(checks.owner_digests_at_demo_now)} owner digests.
- Health: ${healthLine(stats.health)}.
- Health 15 minutes later (${formatInstant(addMinutes(EXAMPLE_END, 20))}): ${healthLine(later)}.

| metadata_kind | records |
| --- | ---: |
${kinds.join('\n')}
`;
}

// ───────────────────────────── bulk stores for the benchmark ─────────────────────────────

export interface BulkOptions {
  records: number;
  kind: 'sqlite' | 'json';
  path: string;
  seed?: number;
  /** The instant the history ends; the benchmark measures a little after it. */
  end?: Instant;
  /** Days before `end` generated at the real cadence (the lookback plus a margin). Default 8. */
  recentDays?: number;
  /** Days of older history the remaining records are spread over. Default 730. */
  historyDays?: number;
  log?: (line: string) => void;
}

export interface BulkStats {
  path: string;
  kind: 'sqlite' | 'json';
  records: number;
  recentRecords: number;
  oldestAt: string;
  end: string;
  countsByKind: Record<string, number>;
  bytes: number;
  elapsedMs: number;
}

/** Bumped whenever bulk output changes, so cached benchmark stores are regenerated. */
export const BULK_VERSION = 1;
/** One 2-hour block of the bulk history is always exactly this many records. */
export const BULK_RECORDS_PER_BLOCK = 20;
const BULK_PASSES_PER_BLOCK = 4;
const BULK_ROUTES_PER_PLAN = 2;
const BULK_OWNERS = OWNERS.map((o) => o.owner);
const SUPPRESS_REASONS: readonly { reason: string; maintenance: boolean; calendar: boolean }[] = [
  { reason: 'review state resolved', maintenance: false, calendar: false },
  { reason: 'review state false_positive', maintenance: false, calendar: false },
  { reason: `maximum recurrence count ${MAX_RECURRENCES} reached`, maintenance: false, calendar: false },
  { reason: 'maintenance window mw-weekly-patching is active: weekly patching window', maintenance: true, calendar: false },
  { reason: 'owner out of office: team offsite', maintenance: false, calendar: true }
];

/**
 * A generator of 20-record blocks: an escalation plan, a recurrence plan (2 routes), its delivery,
 * a suppression audit, and four worker passes (retry plan, trend, one digest, run). Artifacts come
 * from the real domain builders over a tiny rolling history, so their shapes are the product's.
 */
function* bulkBlocks(rng: Rng, times: Iterable<{ at: Instant; spacing: number }>): Generator<EvidenceRecord[]> {
  let sequence = 0;
  for (const { at, spacing } of times) {
    sequence += 1;
    const block: EvidenceRecord[] = [];
    const owner = rng.pick(BULK_OWNERS);
    const specs: RouteSpec[] = [];
    for (let i = 0; i < BULK_ROUTES_PER_PLAN; i++) {
      const o = OWNERS[(OWNERS.findIndex((x) => x.owner === owner) + i) % OWNERS.length]!;
      const reportId = hashedId('erslarpt', `${sequence}|${i}|${at}`);
      const planId = hashedId('erslanp', reportId);
      const provider = rng.pick(o.providers);
      specs.push({ reportId, planId, provider, owner: o.owner, openedAt: at - rng.minutes(70, 600), routeKey: routeKey(planId, reportId, provider, o.owner) });
    }
    const escalationAt = at + rng.micros();
    const escalation = escalationPlanRecord(escalationAt, UPSTREAM_GENERATED_BY, specs.map((s) => routeStatus(s, escalationAt, false)));
    block.push(escalation);

    const planAt = escalationAt + Math.floor(spacing * 0.02) + 1;
    const decisions = specs.map((spec, i) => {
      const action: RouteAction = i === 0 ? 'deliver' : rng.pick<RouteAction>(['deliver', 'wait', 'suppress', 'suppress']);
      let reason = 'active escalation is due for recurrence';
      let maintenance: JsonObject | null = null;
      let availability: JsonObject = { available: true, reason: 'no owner calendar restriction' };
      if (action === 'wait') reason = `recurrence interval ${RECURRENCE_INTERVAL_MINUTES} minutes has not elapsed`;
      if (action === 'suppress') {
        const s = rng.pick(SUPPRESS_REASONS);
        reason = s.reason;
        if (s.maintenance) maintenance = { window_id: 'mw-weekly-patching', start_at: formatInstant(planAt - 3_600_000_000), end_at: formatInstant(planAt + 3_600_000_000), reason: 'weekly patching window' };
        if (s.calendar) availability = { available: false, reason };
      }
      return routeDecision({ route: spec, action, reason, reviewState: null, latestReviewId: null, recurrenceCount: 1, latestDeliveryAt: planAt - rng.minutes(30, 150), maintenanceWindow: maintenance, ownerAvailability: availability });
    });
    const recurrence = recurrencePlanRecord(planAt, UPSTREAM_GENERATED_BY, escalation.session_id, decisions);
    block.push(recurrence);

    const deliverAt = planAt + Math.floor(spacing * 0.04) + 1;
    const providers = [...new Set(decisions.filter((d) => d.action === 'deliver').map((d) => str(d.provider)))].sort();
    const results = providers.map((provider) => {
      const fail = rng.chance(0.1);
      const code = fail ? rng.pick(FAILURE_CODES[provider]!) : 200;
      return { provider, statusCode: code, attempts: fail && code !== 410 ? 3 : 1 };
    });
    const delivery = connectorDeliveryRecord(deliverAt, DELIVERY_SOURCE.recurrence, recurrence.session_id, RECURRENCE_EVENT_TYPE, escalation.session_id, results);
    block.push(delivery);
    const audit = suppressionAuditRecord(deliverAt + 1, UPSTREAM_GENERATED_BY, recurrence.recurrence_plan as JsonObject);
    block.push(audit);

    const history = [recurrence, delivery, audit];
    for (let p = 0; p < BULK_PASSES_PER_BLOCK; p++) {
      const passAt = at + Math.floor((spacing * (p + 1)) / (BULK_PASSES_PER_BLOCK + 1)) + rng.micros();
      const pass = planWorkerPass({
        history,
        now: passAt,
        schedule: { intervalMinutes: EXAMPLE_INTERVAL_MINUTES, enabled: true },
        dryRun: true,
        generatedBy: WORKER_GENERATED_BY,
        retryPolicy: DEFAULT_RETRY_POLICY,
        maxDigestPlans: 1
      });
      // Compressed old history puts several passes in one schedule window; keep every run distinct.
      pass.run.run_id = hashedId('erslaescauto', { bulk_sequence: `${sequence}.${p}`, window_start: (pass.run.schedule as JsonObject).window_start as Json });
      block.push(retryPlanRecord(pass.retryPlan), suppressionTrendRecord(pass.trend), ...pass.digests.slice(0, 1).map(ownerDigestRecord), automationRunRecord(pass.run));
    }
    yield block;
  }
}

function* blockTimes(rng: Rng, from: Instant, to: Instant, blocks: number): Generator<{ at: Instant; spacing: number }> {
  if (blocks <= 0) return;
  const spacing = Math.floor((to - from) / blocks);
  for (let i = 0; i < blocks; i++) yield { at: from + i * spacing + Math.floor(rng.float() * spacing * 0.01), spacing };
}

/** Writes `records` records spread over a long history; most are older than the lookback. */
export function generateBulkStore(options: BulkOptions): BulkStats {
  const started = performance.now();
  const rng = new Rng(options.seed ?? EXAMPLE_SEED);
  const end = options.end ?? EXAMPLE_END;
  const recentDays = options.recentDays ?? 8;
  const historyDays = options.historyDays ?? 730;
  const log = options.log ?? (() => {});
  const total = Math.max(0, Math.floor(options.records));
  const recentFrom = addMinutes(end, -recentDays * 24 * 60);
  const oldestAt = addMinutes(recentFrom, -historyDays * 24 * 60);
  // The recent window at the real cadence (one block per 2 hours), the rest spread over history.
  const recentBlocks = Math.min(Math.ceil(total / BULK_RECORDS_PER_BLOCK), recentDays * 12);
  const recentTarget = Math.min(total, recentBlocks * BULK_RECORDS_PER_BLOCK);
  const oldTarget = total - recentTarget;
  const oldBlocks = Math.ceil(oldTarget / BULK_RECORDS_PER_BLOCK);
  const countsByKind: Record<string, number> = {};

  const path = resolve(options.path);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.partial`;
  for (const file of [temp, `${temp}-journal`]) rmSync(file, { force: true });

  let written = 0;
  let recentWritten = 0;
  const sink = options.kind === 'sqlite' ? sqliteSink(temp, oldestAt) : jsonSink(temp);
  const emit = (blocks: Iterable<EvidenceRecord[]>, limit: number, recent: boolean) => {
    let count = 0;
    for (const block of blocks) {
      for (const record of block) {
        if (count >= limit) return;
        sink.add(record);
        count += 1;
        written += 1;
        if (recent) recentWritten += 1;
        const kind = kindOf(record);
        countsByKind[kind] = (countsByKind[kind] ?? 0) + 1;
        if (written % 100_000 === 0) log(`  ${written.toLocaleString('en')} / ${total.toLocaleString('en')} records`);
      }
      if (count >= limit) return;
    }
  };
  emit(bulkBlocks(rng, blockTimes(rng, oldestAt, recentFrom, oldBlocks)), oldTarget, false);
  emit(bulkBlocks(rng, blockTimes(rng, addMinutes(end, -recentBlocks * 120), end, recentBlocks)), recentTarget, true);
  sink.finish();
  for (const file of [path, `${path}-journal`]) rmSync(file, { force: true });
  renameSync(temp, path);

  return {
    path,
    kind: options.kind,
    records: written,
    recentRecords: recentWritten,
    oldestAt: formatInstant(oldBlocks > 0 ? oldestAt : addMinutes(end, -recentBlocks * 120)),
    end: formatInstant(end),
    countsByKind: Object.fromEntries(Object.entries(countsByKind).sort(([a], [b]) => (a < b ? -1 : 1))),
    bytes: statSync(path).size,
    elapsedMs: Math.round(performance.now() - started)
  };
}

interface Sink {
  add(record: EvidenceRecord): void;
  finish(): void;
}

function sqliteSink(path: string, createdAt: Instant): Sink {
  const store = new SqliteEvidenceStore(path, createdAt);
  let chunk: EvidenceRecord[] = [];
  return {
    add(record) {
      chunk.push(record);
      if (chunk.length >= 50_000) {
        store.write(chunk);
        chunk = [];
      }
    },
    finish() {
      if (chunk.length > 0) store.write(chunk);
      store.close();
    }
  };
}

/** Streams `{"items": [...]}`, one record per line, as the JSON store writes it (not sorted by id). */
function jsonSink(path: string): Sink {
  const fd = openSync(path, 'w', 0o644);
  let buffer = '{"items": [\n';
  let first = true;
  return {
    add(record) {
      buffer += `${first ? '' : ',\n'}${JSON.stringify(record)}`;
      first = false;
      if (buffer.length > 8 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    },
    finish() {
      buffer += first ? ']}\n' : '\n]}\n';
      writeSync(fd, buffer);
      fsyncSync(fd);
      closeSync(fd);
    }
  };
}

// ───────────────────────────── command line ─────────────────────────────

function argValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function main(args: readonly string[]): Promise<void> {
  const seedText = argValue(args, '--seed');
  const seed = seedText === undefined ? EXAMPLE_SEED : Number(seedText);
  if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got ${seedText}`);
  const bulk = argValue(args, '--bulk');
  if (bulk !== undefined) {
    const records = Number(bulk.replace(/_/g, ''));
    const format = argValue(args, '--format') ?? 'sqlite';
    const out = argValue(args, '--out');
    if (!Number.isInteger(records) || records < 0) throw new Error(`--bulk: expected a record count, got ${bulk}`);
    if (format !== 'sqlite' && format !== 'json') throw new Error(`--format: expected sqlite or json, got ${format}`);
    if (!out) throw new Error('--out PATH is required with --bulk');
    const endText = argValue(args, '--end');
    const end = endText === undefined ? EXAMPLE_END : parseInstant(endText);
    if (end === undefined) throw new Error(`--end: not an ISO-8601 instant: ${endText}`);
    const stats = generateBulkStore({ records, kind: format, path: out, seed, end, log: (line) => console.error(line) });
    console.log(JSON.stringify(stats, null, 2));
    return;
  }
  const denseText = argValue(args, '--dense-days');
  const stats = await generateExampleEvidence({
    dir: argValue(args, '--out') ?? EXAMPLE_DIR,
    seed,
    denseDays: denseText === undefined ? EXAMPLE_DENSE_DAYS : Number(denseText),
    log: (line) => console.error(line)
  });
  const { health, ...rest } = stats;
  console.log(
    JSON.stringify(
      {
        ...rest,
        health_at_demo_now: {
          now: EXAMPLE_DEMO_NOW_ISO,
          alert_level: health.alert_level,
          fingerprint: health.fingerprint,
          latest_run_age_minutes: health.latest_run_age_minutes,
          run_count: health.run_count,
          alerts: health.alerts
        }
      },
      null,
      2
    )
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`generate-evidence: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
