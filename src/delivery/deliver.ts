import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashedId, sha256Hex, slug, sortKeys } from '../domain/ids.js';
import { storeRecord } from '../domain/metadata.js';
import type { Notice } from '../domain/notice.js';
import { KIND, type EvidenceRecord, type JsonObject } from '../domain/records.js';
import { formatInstant, type Instant } from '../domain/time.js';
import type { EvidenceStore } from '../store/evidence-store.js';
import type { Connector } from './connector-config.js';
import { send, type RetryOptions } from './http.js';
import { providerPayload } from './payloads/index.js';
import { redactHeaders, redactUrl, scrubSecrets } from './redaction.js';
import { standardWebhookHeaders } from './signing.js';

// Delivers one event to several providers, each on its own (one failure never blocks another),
// through the send ledger: an intent is written before sending and marked sent after a 2xx. A sent
// intent is never sent again, and neither is a pending one, whose outcome an earlier process took
// with it: re-running a window, or crashing between the send and the record, cannot duplicate.

export const INTENT_KIND = 'cavra-recurrence-automation-delivery-intent';
/** A destination that answered 410 Gone: not sent to again until its connector points elsewhere. */
export const GONE_KIND = 'cavra-recurrence-automation-destination-gone';

/** Keyed by provider and a hash of the URL, so a reconfigured connector is tried afresh. */
export function goneId(connector: Connector): string {
  return hashedId('cavragone', `${connector.provider}|${sha256Hex(connector.url)}`);
}

export interface DeliveryTarget {
  connector: Connector;
  /** The ledger key of this notice to this provider. */
  ledgerKey: string;
  step?: string;
}

export interface DeliverRequest {
  store: EvidenceStore;
  event: JsonObject;
  eventId: string;
  eventType: string;
  notice: Notice;
  targets: DeliveryTarget[];
  source: string;
  retry: RetryOptions;
  secrets: readonly string[];
  outputDir: string;
  now: Instant;
  generatedBy: string;
  /** Extra fields for the connector-delivery record (for example the lifecycle step). */
  recordExtras?: JsonObject;
  /** Called just after a provider's send and before its outcome is recorded; tests use it to crash there. */
  afterSend?: (provider: string) => void;
}

export interface DeliverOutcome {
  /** The `cavra.connector.delivery.v1` result; undefined when every target was skipped. */
  delivery: JsonObject | undefined;
  /** The release-connector-delivery record, to be written with the command's batch. */
  record: EvidenceRecord | undefined;
  evidencePath: string | undefined;
  skipped: JsonObject[];
  success: boolean;
}

/**
 * The seed's `<event id>-connector-delivery.json`. A reminder or a resolved notice of the same
 * episode gets its step and time in the name, so no delivery's evidence replaces another's.
 */
export function evidenceFileName(eventId: string, step: string, generatedAt: string): string {
  const base = eventId.replace(/\//g, '-');
  if (step === 'open') return `${base}-connector-delivery.json`;
  return `${base}-${step}-${generatedAt.replace(/[^0-9]/g, '').slice(0, 14)}-connector-delivery.json`;
}

export function intentId(ledgerKey: string, provider: string): string {
  return hashedId('cavraintent', `${ledgerKey}|${provider}`);
}

export async function deliverEvent(request: DeliverRequest): Promise<DeliverOutcome> {
  const { store, now } = request;
  const generatedAt = formatInstant(now);
  const skipped: JsonObject[] = [];
  const runnable: DeliveryTarget[] = [];
  const claimed = new Set<string>();
  for (const target of request.targets) {
    const id = intentId(target.ledgerKey, target.connector.provider);
    if (claimed.has(id)) continue; // the same notice named twice in one call is one notice
    claimed.add(id);
    const known = store.recordById(id);
    const gone = store.recordById(goneId(target.connector));
    if (gone) {
      skipped.push({ provider: target.connector.provider, reason: `the destination answered 410 Gone at ${String(gone.created_at)}; point the connector elsewhere to deliver again` });
    } else if (known?.state === 'sent') skipped.push({ provider: target.connector.provider, reason: `already sent at ${String(known.sent_at)} (send ledger)` });
    else if (known?.state === 'pending') {
      skipped.push({
        provider: target.connector.provider,
        reason: `an earlier attempt started at ${String(known.intent_at)} has no recorded outcome; not sent again to avoid a duplicate`
      });
    } else runnable.push(target);
  }
  if (runnable.length === 0) return { delivery: undefined, record: undefined, evidencePath: undefined, skipped, success: true };

  // The ledger is written once before the sends (every intent) and once after (every outcome):
  // two writes per event, however many providers, since a JSON store rewrites its whole file.
  store.write(runnable.map((target) => intentRecord(request, target, generatedAt, 'pending')));
  const sent = await Promise.all(runnable.map((target) => deliverOne(request, target, generatedAt)));
  store.write(sent.flatMap((s) => s.ledger));
  const deliveries = sent.map((s) => s.entry);
  const success = deliveries.every((d) => d.success === true);
  const providers = runnable.map((t) => t.connector.provider);
  const failedProviders = deliveries.filter((d) => d.success !== true).map((d) => String(d.provider));
  const unscrubbed: JsonObject = {
    schema_version: 'cavra.connector.delivery.v1',
    product: 'CAVRA',
    event_type: request.eventType,
    event_id: request.eventId,
    session_id: request.eventId,
    generated_at: generatedAt,
    success,
    deliveries,
    skipped
  };
  const delivery = JSON.parse(scrubSecrets(JSON.stringify(unscrubbed), request.secrets)) as JsonObject;
  const evidencePath = join(request.outputDir, evidenceFileName(request.eventId, String(request.recordExtras?.lifecycle_step ?? 'open'), generatedAt));
  mkdirSync(request.outputDir, { recursive: true });
  writeFileSync(evidencePath, `${JSON.stringify(sortKeys(delivery), null, 2)}\n`);

  const attemptCounts = deliveries.map((d) => Number(d.attempt_count));
  const record = storeRecord({
    kind: KIND.connectorDelivery,
    sessionId: `rcd-${slug(request.eventId)}-${sha256Hex(`${request.eventId}|${generatedAt}|${providers.join(',')}`).slice(0, 12)}`,
    createdAt: generatedAt,
    signer: request.source,
    counts: [0, failedProviders.length, 0],
    summary: {
      connector_delivery_source: request.source,
      event_id: request.eventId,
      event_type: request.eventType,
      delivery_success: success,
      providers,
      failed_providers: failedProviders,
      attempt_count: attemptCounts.reduce((a, b) => a + b, 0),
      max_attempt_count: Math.max(...attemptCounts),
      status_codes: Object.fromEntries(deliveries.map((d) => [String(d.provider), d.status_code ?? null])),
      delivery_evidence: evidencePath,
      ...(request.recordExtras ?? {})
    },
    artifact: delivery
  });
  return { delivery, record, evidencePath, skipped, success };
}

function intentRecord(request: DeliverRequest, target: DeliveryTarget, generatedAt: string, state: string, extra: JsonObject = {}): EvidenceRecord {
  return {
    session_id: intentId(target.ledgerKey, target.connector.provider),
    metadata_kind: INTENT_KIND,
    created_at: generatedAt,
    signer: request.generatedBy,
    decision_count: 0,
    blocked_count: state === 'failed' ? 1 : 0,
    approval_required_count: 0,
    ledger_key: target.ledgerKey,
    provider: target.connector.provider,
    event_id: request.eventId,
    state,
    intent_at: generatedAt,
    ...extra
  };
}

/** One provider's send; its outcome for the ledger is returned, to be written with the others'. */
async function deliverOne(request: DeliverRequest, target: DeliveryTarget, generatedAt: string): Promise<{ entry: JsonObject; ledger: EvidenceRecord[] }> {
  const { connector } = target;
  const body = JSON.stringify(providerPayload(connector, request.notice, request.event));
  const headers = { ...connector.headers };
  if (connector.signingSecret) {
    // The ledger key is stable across retries and re-runs: receivers dedupe on webhook-id.
    Object.assign(headers, standardWebhookHeaders(hashedId('msg', target.ledgerKey), Math.floor(Date.now() / 1000), body, connector.signingSecret));
  } else if (connector.provider === 'webhook') {
    headers['webhook-id'] = hashedId('msg', target.ledgerKey);
  }
  const startedAt = new Date().toISOString();
  const result = await send({ url: connector.url, method: connector.method, headers, body }, request.retry);
  request.afterSend?.(connector.provider);
  const completedAt = new Date().toISOString();
  const goneRecord: EvidenceRecord[] = result.gone
    ? [
        {
          session_id: goneId(connector),
          metadata_kind: GONE_KIND,
          created_at: generatedAt,
          signer: request.generatedBy,
          decision_count: 0,
          blocked_count: 1,
          approval_required_count: 0,
          provider: connector.provider,
          status_code: 410
        }
      ]
    : [];
  const ledger = [
    ...goneRecord,
    intentRecord(request, target, generatedAt, result.success ? 'sent' : 'failed', {
      ...(result.success ? { sent_at: completedAt } : {}),
      status_code: result.status_code,
      attempt_count: result.attempts.length,
      gone: result.gone
    })
  ];
  const entry: JsonObject = {
    provider: connector.provider,
    success: result.success,
    status_code: result.status_code,
    attempt_count: result.attempts.length,
    attempts: result.attempts as unknown as JsonObject[],
    started_at: startedAt,
    completed_at: completedAt,
    error: result.error === null ? null : scrubSecrets(result.error, request.secrets),
    error_class: result.error_class,
    gone: result.gone,
    request: { method: connector.method, url: redactUrl(connector.url, connector.urlIsSecret), headers: redactHeaders(headers, connector.secretHeaders) }
  };
  return { entry, ledger };
}
