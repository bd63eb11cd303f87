import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConnectorConfig, type ConnectorConfig } from '../../src/delivery/connector-config.js';
import { deliverEvent, INTENT_KIND, intentId, type DeliverRequest, type DeliveryTarget } from '../../src/delivery/deliver.js';
import type { RetryOptions } from '../../src/delivery/http.js';
import { hashedId, sortKeys } from '../../src/domain/ids.js';
import { healthAlertNotice } from '../../src/domain/notice.js';
import { KIND, type JsonObject } from '../../src/domain/records.js';
import { parseInstant } from '../../src/domain/time.js';
import type { EvidenceStore } from '../../src/store/evidence-store.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/records.js';

// deliverEvent against a real receiver and a real SQLite store in a temp folder. Every secret in
// these connectors carries CANARY, so a leak anywhere shows up as that string.

const NOW = parseInstant('2026-12-01T12:00:00Z')!;
const CANARY = 'zq7canary';
const SIGNING_SECRET = `sign-${CANARY}-secret-value`;

let receiver: Receiver;
let caseNo = 0;
const fixtures: Fixture[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const fx of fixtures) fx.store.close(); // closing twice is harmless; a failed test may not have
  await receiver.close();
});

interface Fixture {
  dir: string;
  sqlitePath: string;
  outputDir: string;
  store: EvidenceStore;
  config: ConnectorConfig;
  jiraPath: string;
  hookPath: string;
  slackPath: string;
  reopen(): EvidenceStore;
}

/** A temp store and output folder, and jira + webhook (+ slack) connectors on paths of their own. */
function fixture(): Fixture {
  caseNo += 1;
  const dir = tempDir('cavra-delivery-');
  const sqlitePath = join(dir, 'evidence', 'metadata.sqlite');
  const jiraPath = `/c${caseNo}/jira-${CANARY}/rest/api/3/issue`;
  const hookPath = `/c${caseNo}/hook-${CANARY}`;
  const slackPath = `/c${caseNo}/slack/services/T0/B0/${CANARY}`;
  const env = {
    JIRA_URL: `${receiver.url}${jiraPath}`,
    JIRA_TOKEN: `tok-${CANARY}-0001`,
    HOOK_URL: `${receiver.url}${hookPath}`,
    HOOK_SIGN: SIGNING_SECRET,
    HOOK_KEY: `key-${CANARY}-0002`,
    SLACK_URL: `${receiver.url}${slackPath}`
  };
  const config = resolveConnectorConfig(
    {
      connectors: {
        jira: { url_env: 'JIRA_URL', token_env: 'JIRA_TOKEN', project_key: 'OPS' },
        webhook: { url_env: 'HOOK_URL', signing_secret_env: 'HOOK_SIGN', api_key_env: 'HOOK_KEY', api_key_header: 'X-Receiver-Key' },
        slack: { url_env: 'SLACK_URL' }
      }
    },
    env,
    'connectors.json'
  );
  const fx: Fixture = {
    dir,
    sqlitePath,
    outputDir: join(dir, 'out'),
    store: openEvidenceStore({ sqlite: sqlitePath }, NOW),
    config,
    jiraPath,
    hookPath,
    slackPath,
    reopen() {
      fx.store.close();
      fx.store = openEvidenceStore({ sqlite: sqlitePath }, NOW);
      return fx.store;
    }
  };
  fixtures.push(fx);
  return fx;
}

function retry(): RetryOptions & { slept: number[] } {
  const slept: number[] = [];
  return { retries: 2, timeoutSeconds: 5, backoffBaseMs: 5, random: () => 0.5, sleep: async (ms) => void slept.push(ms), slept };
}

const healthId = 'erslaeschealth-0123456789abcdef';
const notice = healthAlertNotice(
  {
    alert_level: 'critical',
    fingerprint: 'fp-1',
    missed_run_count: 2,
    failed_job_count: 0,
    stale_metadata_count: 0,
    connector_delivery_failure_count: 0,
    alerts: [{ category: 'missed_runs', severity: 'critical', message: '2 missed runs' }]
  },
  healthId,
  8,
  0
);
const event: JsonObject = { event_type: 'cavra.health_alert', health_id: healthId, plan: { alerts: [{ category: 'missed_runs' }] } };

function request(fx: Fixture, targets: DeliveryTarget[], extra: Partial<DeliverRequest> = {}): DeliverRequest {
  return {
    store: fx.store,
    event,
    eventId: healthId,
    eventType: 'cavra.health_alert',
    notice,
    targets,
    source: 'recurrence-automation-health-alert',
    retry: retry(),
    secrets: fx.config.secrets,
    outputDir: fx.outputDir,
    now: NOW,
    generatedBy: 'release-manager',
    ...extra
  };
}

const target = (fx: Fixture, provider: 'jira' | 'webhook' | 'slack', ledgerKey: string): DeliveryTarget => ({ connector: fx.config.connectors.get(provider)!, ledgerKey });

/** Every file under a folder, as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, text: readFileSync(path, 'latin1') };
    });
}

function verifySignature(headers: Record<string, string | string[] | undefined>, body: string, secret: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, value] = entry.split(',', 2);
      const given = Buffer.from(value ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('deliverEvent: one provider failing, one succeeding', () => {
  test('the good one is delivered; the record counts both; nothing secret is persisted', async () => {
    const fx = fixture();
    receiver.respond(fx.jiraPath, { status: 500, body: `upstream rejected token tok-${CANARY}-0001\nmore detail` });
    receiver.respond(fx.hookPath, { status: 200, body: 'ok' });
    const ledgerKey = `health|${healthId}|open`;
    const outcome = await deliverEvent(request(fx, [target(fx, 'jira', ledgerKey), target(fx, 'webhook', ledgerKey)]));

    expect(receiver.at(fx.jiraPath)).toHaveLength(3);
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(outcome.success).toBe(false);
    expect(outcome.skipped).toEqual([]);

    const record = outcome.record!;
    expect(record).toMatchObject({
      schema_version: 'cavra.evidence.metadata.v1',
      product: 'CAVRA',
      metadata_kind: KIND.connectorDelivery,
      created_at: '2026-12-01T12:00:00+00:00',
      signer: 'recurrence-automation-health-alert',
      connector_delivery_source: 'recurrence-automation-health-alert',
      event_id: healthId,
      event_type: 'cavra.health_alert',
      delivery_success: false,
      providers: ['jira', 'webhook'],
      failed_providers: ['jira'],
      status_codes: { jira: 500, webhook: 200 },
      attempt_count: 4,
      max_attempt_count: 3,
      blocked_count: 1
    });
    expect(record.session_id).toMatch(/^rcd-erslaeschealth-0123456789abcdef-[0-9a-f]{12}$/);

    // The evidence file: `<output>/<eventId>-connector-delivery.json`, sorted, indented, newline-terminated.
    const evidencePath = join(fx.outputDir, `${healthId}-connector-delivery.json`);
    expect(outcome.evidencePath).toBe(evidencePath);
    expect(record.delivery_evidence).toBe(evidencePath);
    expect(existsSync(evidencePath)).toBe(true);
    const text = readFileSync(evidencePath, 'utf8');
    const evidence = JSON.parse(text);
    expect(text).toBe(`${JSON.stringify(sortKeys(evidence), null, 2)}\n`);
    expect(evidence).toMatchObject({ schema_version: 'cavra.connector.delivery.v1', event_id: healthId, event_type: 'cavra.health_alert', success: false, skipped: [] });
    const byProvider = Object.fromEntries(evidence.deliveries.map((d: JsonObject) => [d.provider, d]));
    expect(byProvider.jira).toMatchObject({
      success: false,
      status_code: 500,
      attempt_count: 3,
      error_class: 'server_error',
      gone: false,
      error: 'HTTP 500: upstream rejected token REDACTED',
      request: { method: 'POST', url: receiver.url, headers: { authorization: 'REDACTED', 'content-type': 'application/json' } }
    });
    expect(byProvider.jira.attempts.map((a: JsonObject) => a.status_code)).toEqual([500, 500, 500]);
    expect(byProvider.webhook).toMatchObject({ success: true, status_code: 200, attempt_count: 1, error: null, error_class: null, request: { method: 'POST', url: receiver.url } });
    expect(byProvider.webhook.request.headers).toMatchObject({ 'x-receiver-key': 'REDACTED', 'webhook-id': hashedId('msg', ledgerKey) });
    expect(receiver.at(fx.hookPath)[0]!.headers['x-receiver-key']).toBe(`key-${CANARY}-0002`);

    // No secret anywhere: evidence file, returned record and delivery, store files.
    fx.store.write([record]);
    fx.store.close();
    expect(text).not.toContain(CANARY);
    expect(JSON.stringify(record)).not.toContain(CANARY);
    expect(JSON.stringify(outcome.delivery)).not.toContain(CANARY);
    const storeFiles = filesUnder(join(fx.dir, 'evidence'));
    expect(storeFiles.length).toBeGreaterThan(0);
    for (const file of storeFiles) expect({ path: file.path, leaks: file.text.includes(CANARY) }).toEqual({ path: file.path, leaks: false });
    for (const secret of fx.config.secrets) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify(record)).not.toContain(secret);
    }
  });

  test('the providers each received their own body; Jira a v3 issue, the webhook a signed copy of the event', async () => {
    const fx = fixture();
    receiver.respond(fx.jiraPath, { status: 201, body: '{"id":"10001","key":"OPS-1"}' });
    receiver.respond(fx.hookPath, { status: 204 });
    const ledgerKey = `health|${healthId}|bodies`;
    const outcome = await deliverEvent(request(fx, [target(fx, 'jira', ledgerKey), target(fx, 'webhook', ledgerKey)]));
    expect(outcome.success).toBe(true);

    const [jira] = receiver.at(fx.jiraPath);
    expect(jira!.headers.authorization).toBe(`Bearer tok-${CANARY}-0001`);
    const issue = JSON.parse(jira!.body);
    expect(issue.fields.project).toEqual({ key: 'OPS' });
    expect(issue.fields.description.type).toBe('doc');
    expect(issue.fields.labels).toContain(`cavra-${healthId}`);

    const [hook] = receiver.at(fx.hookPath);
    expect(JSON.parse(hook!.body)).toEqual({ ...event, provider: 'webhook' });
    expect(hook!.headers['webhook-id']).toBe(hashedId('msg', ledgerKey));
    expect(Math.abs(Number(hook!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifySignature(hook!.headers, hook!.body, SIGNING_SECRET)).toBe(true);
    fx.store.close();
  });

  test('a 410 is recorded as gone, on the delivery and on the intent', async () => {
    const fx = fixture();
    receiver.respond(fx.slackPath, { status: 410, body: 'channel_is_archived' });
    const ledgerKey = `health|${healthId}|gone`;
    const outcome = await deliverEvent(request(fx, [target(fx, 'slack', ledgerKey)]));
    expect(receiver.at(fx.slackPath)).toHaveLength(1);
    const [delivery] = outcome.delivery!.deliveries as JsonObject[];
    expect(delivery).toMatchObject({ provider: 'slack', success: false, status_code: 410, gone: true, error_class: 'gone', error: 'HTTP 410: channel_is_archived' });
    expect(fx.store.recordById(intentId(ledgerKey, 'slack'))).toMatchObject({ state: 'failed', gone: true, status_code: 410 });
    fx.store.close();
  });

  test('a lifecycle step other than open, its time, and a "/" in the event id shape the evidence file name', async () => {
    const fx = fixture();
    receiver.respond(fx.hookPath, { status: 200 });
    const outcome = await deliverEvent(
      request(fx, [target(fx, 'webhook', 'health|x|resolve')], { eventId: 'health/episode-1', recordExtras: { lifecycle_step: 'resolve' } })
    );
    // A reminder or resolved notice carries its step and generated_at (2026-12-01T12:00:00), so none replaces another.
    const expected = join(fx.outputDir, 'health-episode-1-resolve-20261201120000-connector-delivery.json');
    expect(outcome.evidencePath).toBe(expected);
    expect(existsSync(expected)).toBe(true);
    expect(outcome.record).toMatchObject({ lifecycle_step: 'resolve', event_id: 'health/episode-1' });
    fx.store.close();
  });
});

describe('deliverEvent: the send ledger', () => {
  test('a second delivery with the same key skips the provider that succeeded and retries the one that failed', async () => {
    const fx = fixture();
    receiver.respond(fx.jiraPath, { status: 503, body: 'busy' });
    receiver.respond(fx.hookPath, { status: 200 });
    const ledgerKey = `health|${healthId}|ledger`;
    const targets = [target(fx, 'jira', ledgerKey), target(fx, 'webhook', ledgerKey)];
    await deliverEvent(request(fx, targets));
    expect(receiver.at(fx.jiraPath)).toHaveLength(3);
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(fx.store.recordById(intentId(ledgerKey, 'webhook'))).toMatchObject({ metadata_kind: INTENT_KIND, state: 'sent', ledger_key: ledgerKey, provider: 'webhook' });
    expect(fx.store.recordById(intentId(ledgerKey, 'jira'))).toMatchObject({ metadata_kind: INTENT_KIND, state: 'failed', status_code: 503, attempt_count: 3 });

    // A later process: the ledger is read back from the file.
    fx.reopen();
    receiver.respond(fx.jiraPath, { status: 201, body: '{"key":"OPS-2"}' });
    const second = await deliverEvent(request(fx, targets));
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(receiver.at(fx.jiraPath)).toHaveLength(4);
    expect(second.skipped).toHaveLength(1);
    expect(second.skipped[0]!.provider).toBe('webhook');
    expect(String(second.skipped[0]!.reason)).toMatch(/^already sent at /);
    expect(second.success).toBe(true);
    expect(second.record).toMatchObject({ providers: ['jira'], failed_providers: [], status_codes: { jira: 201 }, attempt_count: 1, delivery_success: true });
    expect(second.delivery!.skipped).toEqual(second.skipped);
    expect(fx.store.recordById(intentId(ledgerKey, 'jira'))).toMatchObject({ state: 'sent', status_code: 201 });

    // A third time: both sent, nothing to do, nothing written.
    const third = await deliverEvent(request(fx, targets));
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(receiver.at(fx.jiraPath)).toHaveLength(4);
    expect(third).toMatchObject({ delivery: undefined, record: undefined, evidencePath: undefined, success: true });
    expect(third.skipped.map((s) => s.provider)).toEqual(['jira', 'webhook']);
    fx.store.close();
  });

  test('a different ledger key for the same provider is a different notice and is sent', async () => {
    const fx = fixture();
    receiver.respond(fx.hookPath, { status: 200 });
    await deliverEvent(request(fx, [target(fx, 'webhook', 'health|a|open')]));
    await deliverEvent(request(fx, [target(fx, 'webhook', 'health|b|open')]));
    const ids = receiver.at(fx.hookPath).map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([hashedId('msg', 'health|a|open'), hashedId('msg', 'health|b|open')]);
    fx.store.close();
  });

  test('the webhook-id is the same across retries and across a later re-delivery of a failed send', async () => {
    const fx = fixture();
    receiver.respond(fx.hookPath, { status: 500 });
    const ledgerKey = `health|${healthId}|stable-id`;
    await deliverEvent(request(fx, [target(fx, 'webhook', ledgerKey)]));
    receiver.respond(fx.hookPath, { status: 200 });
    fx.reopen();
    await deliverEvent(request(fx, [target(fx, 'webhook', ledgerKey)]));
    const requests = receiver.at(fx.hookPath);
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([hashedId('msg', ledgerKey)]));
    for (const r of requests) expect(verifySignature(r.headers, r.body, SIGNING_SECRET)).toBe(true);
    fx.store.close();
  });

  test('a crash after the send and before its outcome is recorded leaves a pending intent that is never sent again', async () => {
    const fx = fixture();
    receiver.respond(fx.hookPath, { status: 200 });
    const ledgerKey = `health|${healthId}|crash`;
    const crash = new Error('simulated crash after the send');
    await expect(
      deliverEvent(
        request(fx, [target(fx, 'webhook', ledgerKey)], {
          afterSend: () => {
            throw crash;
          }
        })
      )
    ).rejects.toBe(crash);
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(fx.store.recordById(intentId(ledgerKey, 'webhook'))).toMatchObject({ state: 'pending', ledger_key: ledgerKey });

    // The next process finds the pending intent and does not send again.
    fx.reopen();
    const later = await deliverEvent(request(fx, [target(fx, 'webhook', ledgerKey)]));
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    expect(later.delivery).toBeUndefined();
    expect(later.record).toBeUndefined();
    expect(later.skipped).toHaveLength(1);
    expect(later.skipped[0]!.provider).toBe('webhook');
    expect(String(later.skipped[0]!.reason)).toContain('no recorded outcome');
    expect(fx.store.recordById(intentId(ledgerKey, 'webhook'))).toMatchObject({ state: 'pending' });
    fx.store.close();
  });

  test('the same provider and key named twice in one delivery is sent once', async () => {
    const fx = fixture();
    receiver.respond(fx.hookPath, { status: 200 });
    const ledgerKey = `health|${healthId}|twice`;
    await deliverEvent(request(fx, [target(fx, 'webhook', ledgerKey), target(fx, 'webhook', ledgerKey)]));
    expect(receiver.at(fx.hookPath)).toHaveLength(1);
    fx.store.close();
  });
});
