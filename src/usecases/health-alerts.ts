import type { ConnectorConfig } from '../delivery/connector-config.js';
import { deliverEvent, type DeliverOutcome } from '../delivery/deliver.js';
import type { RetryOptions } from '../delivery/http.js';
import { acknowledgementRecord, alertDashboard, alertHistory, buildAcknowledgement, type AckInput, type AlertHistoryFilter } from '../domain/health-alert-ack.js';
import { HEALTH_ALERT_EVENT_TYPE, healthAlertEvent } from '../domain/health-alert-event.js';
import { healthAlertPlanRecord, planHealthAlert, type PlannedNotice, type RoutingPolicy } from '../domain/health-alert.js';
import type { HealthThresholds } from '../domain/health.js';
import { healthAlertNotice, resolvedNotice } from '../domain/notice.js';
import { artifactOf, DELIVERY_SOURCE, KIND, str, type EvidenceRecord, type JsonObject } from '../domain/records.js';
import type { Page } from '../domain/run-history.js';
import { addMinutes, parseInstant, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';
import { buildHealthReport } from './health.js';

export interface DeliverHealthAlertOptions {
  store: EvidenceStore;
  now: Instant;
  thresholds: HealthThresholds;
  lookbackHours: number;
  config: ConnectorConfig;
  provider: string;
  policy: RoutingPolicy;
  suppressionWindowOverride: number | undefined;
  force: boolean;
  retry: RetryOptions;
  outputDir: string;
  generatedBy: string;
  maxAlerts: number;
}

/** Health now, the episode it belongs to, and the notices the lifecycle calls for, delivered. */
export async function deliverHealthAlert(options: DeliverHealthAlertOptions): Promise<JsonObject> {
  const { store, now, config } = options;
  const health = buildHealthReport({ store, now, thresholds: options.thresholds, lookbackHours: options.lookbackHours });
  const previousRecord = store.newestOfKind(KIND.healthAlertPlan, now);
  const previous = previousRecord ? artifactOf(previousRecord) : undefined;
  // Read back to the start of the open episode, however long it has lasted.
  const episodeStart = previous ? parseInstant(previous.episode_started_at) : undefined;
  const since = Math.min(addMinutes(now, -options.lookbackHours * 60), episodeStart ?? Infinity);
  const deliveries = store.recordsSince([KIND.connectorDelivery], since, now).filter((r) => r.connector_delivery_source === DELIVERY_SOURCE.healthAlert);
  const acknowledgements = store.recordsSince([KIND.healthAlertAck], since, now).map(artifactOf);

  const decision = planHealthAlert({
    health,
    policy: options.policy,
    requestedProvider: options.provider,
    configuredProviders: [...config.connectors.keys()],
    previousPlan: previous,
    deliveries,
    acknowledgements,
    suppressionWindowOverride: options.suppressionWindowOverride,
    force: options.force,
    now,
    generatedBy: options.generatedBy
  });
  const indexed = [...new Set(store.paths)].sort();
  if (!decision.plan) {
    return { health, plan: null, deliveries: [], message: 'health is healthy and no alert episode is open; nothing was sent', indexed_metadata_stores: indexed };
  }
  const plan = decision.plan;
  // The plan is recorded before anything is sent: a crash mid-send then leaves the episode (its
  // health_id) in place, and the ledger keeps its notices from going out twice.
  const planMetadata = healthAlertPlanRecord(plan);
  store.write([planMetadata]);
  const notConfigured = decision.notices.filter((n) => !config.connectors.has(n.provider as never));
  const outcomes: DeliverOutcome[] = [];
  for (const step of ['open', 'repeat', 'resolved'] as const) {
    const notices = decision.notices.filter((n) => n.step === step && config.connectors.has(n.provider as never));
    if (notices.length > 0) outcomes.push(await deliverStep(options, health, plan, step, notices));
  }

  const deliveryRecords = outcomes.map((o) => o.record).filter((r): r is EvidenceRecord => r !== undefined);
  store.write(deliveryRecords);
  const skipped = [
    ...outcomes.flatMap((o) => o.skipped),
    ...notConfigured.map((n) => ({ provider: n.provider, reason: 'no connector is configured for this provider' }))
  ];
  return {
    health,
    plan,
    deliveries: outcomes.map((o) => o.delivery ?? null),
    delivery_evidence: outcomes.map((o) => o.evidencePath ?? null).filter(Boolean),
    plan_metadata: planMetadata,
    metadata: deliveryRecords,
    skipped,
    success: outcomes.every((o) => o.success),
    event_id: str(plan.health_id),
    message:
      decision.notices.length === 0
        ? 'health alert suppressed; no connector delivery attempted'
        : `${decision.notices.length - skipped.length} notice(s) sent or attempted`,
    indexed_metadata_stores: indexed
  };
}

async function deliverStep(options: DeliverHealthAlertOptions, health: JsonObject, plan: JsonObject, step: 'open' | 'repeat' | 'resolved', notices: PlannedNotice[]): Promise<DeliverOutcome> {
  const healthId = str(plan.health_id);
  const notice =
    step === 'resolved'
      ? resolvedNotice(healthId, str(plan.fingerprint), str(plan.episode_started_at), str(plan.generated_at))
      : healthAlertNotice(health, healthId, options.maxAlerts, step === 'repeat' ? 1 : 0);
  return deliverEvent({
    store: options.store,
    event: healthAlertEvent(health, plan, step, options.maxAlerts),
    eventId: healthId,
    eventType: HEALTH_ALERT_EVENT_TYPE,
    notice,
    targets: notices.map((n) => ({ connector: options.config.connectors.get(n.provider as never)!, ledgerKey: n.ledgerKey })),
    source: DELIVERY_SOURCE.healthAlert,
    retry: options.retry,
    secrets: options.config.secrets,
    outputDir: options.outputDir,
    now: options.now,
    generatedBy: options.generatedBy,
    recordExtras: { lifecycle_step: step, health_id: healthId }
  });
}

export function acknowledgeHealthAlert(store: EvidenceStore, input: AckInput): JsonObject {
  const acknowledgement = buildAcknowledgement(input);
  const metadata = acknowledgementRecord(acknowledgement);
  // Recorded either way, as the seed does; but a typo in the id is worth a word.
  const knownEpisode = store.recordsSince([KIND.healthAlertPlan], 0, input.now).some((plan) => str(plan.health_id) === input.healthId);
  store.write([metadata]);
  return { acknowledgement, metadata, known_episode: knownEpisode, indexed_metadata_stores: [...new Set(store.paths)].sort() };
}

const ALERT_KINDS = [KIND.healthAlertPlan, KIND.healthAlertAck, KIND.connectorDelivery];

export function readAlertHistory(store: EvidenceStore, filter: AlertHistoryFilter, page: Page, now: Instant, lookbackHours: number): JsonObject {
  return alertHistory(store.recordsSince(ALERT_KINDS, addMinutes(now, -lookbackHours * 60), now), filter, page);
}

export function readAlertDashboard(store: EvidenceStore, now: Instant, lookbackHours: number): JsonObject {
  return { ...alertDashboard(store.recordsSince(ALERT_KINDS, addMinutes(now, -lookbackHours * 60), now), now), lookback_hours: lookbackHours };
}
