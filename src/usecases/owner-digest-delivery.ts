import { selectConnectors, type ConnectorConfig } from '../delivery/connector-config.js';
import { deliverEvent, type DeliverOutcome } from '../delivery/deliver.js';
import type { RetryOptions } from '../delivery/http.js';
import { providerPayload } from '../delivery/payloads/index.js';
import { hashedId } from '../domain/ids.js';
import { ownerDigestRecord } from '../domain/metadata.js';
import { buildOwnerDigest } from '../domain/owner-digest.js';
import { digestNotice } from '../domain/notice.js';
import { DELIVERY_SOURCE, num, str, type JsonObject } from '../domain/records.js';
import type { Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';

export const OWNER_DIGEST_EVENT_TYPE = 'cavra.endpoint_remediation_sla.escalation_owner_digest';

/** How execute mode delivers: the connectors, the provider choice and the retry budget. */
export interface DigestDelivery {
  config: ConnectorConfig;
  provider: string;
  retry: RetryOptions;
  outputDir: string;
}

/**
 * Delivers one owner digest. `slot` names what makes it a distinct notice: the schedule window for
 * the worker (one digest per recurrence plan per window), the digest itself for the standalone command.
 */
export async function deliverOwnerDigest(
  store: EvidenceStore,
  digest: JsonObject,
  slot: string,
  delivery: DigestDelivery,
  now: Instant,
  generatedBy: string
): Promise<{ event: JsonObject; outcome: DeliverOutcome }> {
  const connectors = selectConnectors(delivery.config, delivery.provider);
  const ledgerKey = `owner-digest|${str(digest.recurrence_plan_id)}|${slot}`;
  const notice = digestNotice(digest, hashedId('erslaescdigest', ledgerKey));
  const event: JsonObject = { ...digest };
  event.provider_payloads = Object.fromEntries(
    connectors.filter((c) => c.provider !== 'webhook').map((c) => [c.provider, providerPayload(c, notice, digest) as JsonObject])
  );
  const outcome = await deliverEvent({
    store,
    event,
    eventId: str(digest.digest_id),
    eventType: OWNER_DIGEST_EVENT_TYPE,
    notice,
    targets: connectors.map((connector) => ({ connector, ledgerKey })),
    source: DELIVERY_SOURCE.ownerDigest,
    retry: delivery.retry,
    secrets: delivery.config.secrets,
    outputDir: delivery.outputDir,
    now,
    generatedBy
  });
  return { event, outcome };
}

/** The standalone command: build the digest of one recurrence plan, record it, and deliver it if it has owners. */
export async function digestAndDeliver(
  store: EvidenceStore,
  recurrencePlan: JsonObject,
  retryPlan: JsonObject | undefined,
  delivery: DigestDelivery,
  now: Instant,
  generatedBy: string
): Promise<JsonObject> {
  const digest = buildOwnerDigest({ recurrencePlan, retryPlan, now, generatedBy });
  const digestMetadata = ownerDigestRecord(digest);
  const hasOwners = num((digest.summary as JsonObject).owner_count) > 0;
  const sent = hasOwners ? await deliverOwnerDigest(store, digest, str(digest.digest_id), delivery, now, generatedBy) : undefined;
  store.write([digestMetadata, ...(sent?.outcome.record ? [sent.outcome.record] : [])]);
  return {
    event: sent?.event ?? digest,
    digest_metadata: digestMetadata,
    delivery: sent?.outcome.delivery ?? null,
    delivery_evidence: sent?.outcome.evidencePath ?? null,
    metadata: sent?.outcome.record ?? null,
    skipped: sent?.outcome.skipped ?? [],
    ...(hasOwners ? {} : { message: 'no unresolved routes; no delivery attempted' }),
    indexed_metadata_stores: [...new Set(store.paths)].sort()
  };
}
