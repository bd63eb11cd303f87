import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND, runCli } from '../../src/cli/program.js';
import { automationRunRecord } from '../../src/domain/metadata.js';
import { failedRun } from '../../src/domain/automation-run.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/retry-plan.js';
import { KIND } from '../../src/domain/records.js';
import { parseInstant } from '../../src/domain/time.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { recurrenceDelivery, recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

// Delivery through the CLI to real receivers on 127.0.0.1, one path per provider.

const SIGNING_SECRET = `whsec_${Buffer.from('cavra-test-signing-key-0123456789').toString('base64')}`;

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  for (const path of ['/webhook', '/slack', '/teams', '/jira/rest/api/3/issue', '/servicenow/api/now/table/incident']) receiver.respond(path, { status: 200, body: 'ok' });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

function secretsEnv(canary = 'c4n4ry'): NodeJS.ProcessEnv {
  return {
    CAVRA_WEBHOOK_URL: `${receiver.url}/webhook?token=${canary}-wh`,
    CAVRA_WEBHOOK_SECRET: SIGNING_SECRET,
    SLACK_WEBHOOK_URL: `${receiver.url}/slack?key=${canary}-slack`,
    TEAMS_WEBHOOK_URL: `${receiver.url}/teams?sig=${canary}-teams`,
    JIRA_ISSUE_URL: `${receiver.url}/jira/rest/api/3/issue`,
    JIRA_TOKEN: `${canary}-jira-token`,
    SERVICENOW_URL: `${receiver.url}/servicenow/api/now/table/incident`,
    SERVICENOW_TOKEN: `${canary}-snow-token`
  };
}

function connectorsFile(dir: string, providers = ['webhook', 'slack', 'teams', 'jira', 'servicenow']): string {
  const all: Record<string, unknown> = {
    webhook: { url_env: 'CAVRA_WEBHOOK_URL', signing_secret_env: 'CAVRA_WEBHOOK_SECRET' },
    slack: { url_env: 'SLACK_WEBHOOK_URL' },
    teams: { url_env: 'TEAMS_WEBHOOK_URL' },
    jira: { url_env: 'JIRA_ISSUE_URL', token_env: 'JIRA_TOKEN', project_key: 'REL', issue_type: 'Incident' },
    servicenow: { url_env: 'SERVICENOW_URL', token_env: 'SERVICENOW_TOKEN', authorization_scheme: 'Basic' },
    splunk: { url_env: 'SPLUNK_HEC_URL', token_env: 'SPLUNK_HEC_TOKEN' }
  };
  const path = join(dir, 'connectors.json');
  writeFileSync(path, JSON.stringify({ connectors: Object.fromEntries(Object.entries(all).filter(([name]) => providers.includes(name) || name === 'splunk')) }));
  return path;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function workspace() {
  const dir = tempDir();
  const json = join(dir, 'evidence', 'metadata.json');
  const sqlite = join(dir, 'evidence', 'metadata.db');
  return { dir, json, sqlite, stores: ['--metadata-json', json, '--sqlite', sqlite], output: join(dir, 'out') };
}

function seedPlan(json: string, sqlite: string): void {
  const store = openEvidenceStore({ metadataJson: json, sqlite }, parseInstant('2026-12-01T08:00:00Z')!);
  store.write([
    recurrencePlanRecord('erslaescrp-1111111111111111', '2026-12-01T08:00:00+00:00', [
      route('payments', 'slack', 'deliver'),
      route('identity', 'jira', 'wait', 'recurrence interval 60 minutes has not elapsed')
    ]),
    recurrenceDelivery('rcd-a-000000000001', 'erslaescrp-1111111111111111', '2026-12-01T08:10:00+00:00', ['slack'], ['slack'], { slack: 500 })
  ]);
  store.close();
}

function verifySignature(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const key = Buffer.from(SIGNING_SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((sig) => sig.startsWith('v1,') && timingSafeEqual(Buffer.from(sig.slice(3), 'base64'), expected));
}

describe('worker pass in execute mode', () => {
  test('delivers each owner digest to every configured provider in its own format, once per window', async () => {
    const ws = workspace();
    seedPlan(ws.json, ws.sqlite);
    const env = secretsEnv();
    const args = ['release', COMMAND.worker, ...ws.stores, '--execute', '--config', connectorsFile(ws.dir), '--output', ws.output, '--schedule-interval-minutes', '30', '--json'];
    const run = await cli([...args, '--now', '2026-12-01T09:20:00Z'], env);
    expect([run.code, run.err]).toEqual([0, '']);
    const result = JSON.parse(run.out);
    expect(result.run.status).toBe('succeeded');
    const digest = result.owner_digests[0];
    expect([digest.skipped, digest.delivery.success, digest.metadata.delivery_success, digest.metadata.providers]).toEqual([
      null,
      true,
      true,
      ['jira', 'servicenow', 'slack', 'teams', 'webhook']
    ]);

    const slack = JSON.parse(receiver.at('/slack')[0]!.body);
    expect(slack.text).toBe('CAVRA endpoint remediation owner digest: erslaescrp-1111111111111111\n2 unresolved recurrence routes across 2 owners.');
    expect(slack.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(slack.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(['*identity*\nroutes=1 retries=0 jira=1', '*payments*\nroutes=1 retries=1 slack=2']);

    const teams = JSON.parse(receiver.at('/teams')[0]!.body);
    expect([teams.type, teams.attachments[0].contentType, teams.attachments[0].content.version]).toEqual(['message', 'application/vnd.microsoft.card.adaptive', '1.2']);

    const jiraRequest = receiver.at('/jira/rest/api/3/issue')[0]!;
    expect(jiraRequest.headers.authorization).toBe('Bearer c4n4ry-jira-token');
    const jira = JSON.parse(jiraRequest.body);
    expect([jira.fields.project, jira.fields.issuetype, jira.fields.description.type, jira.fields.labels.slice(0, 4)]).toEqual([
      { key: 'REL' },
      { name: 'Incident' },
      'doc',
      ['cavra', 'endpoint-remediation', 'sla', 'critical']
    ]);

    const snowRequest = receiver.at('/servicenow/api/now/table/incident')[0]!;
    expect(snowRequest.headers.authorization).toBe('Basic c4n4ry-snow-token');
    const snow = JSON.parse(snowRequest.body);
    expect([snow.impact, snow.urgency, snow.correlation_id]).toEqual(['1', '1', jira.fields.labels[4].slice('cavra-'.length)]);

    const hook = receiver.at('/webhook')[0]!;
    expect(verifySignature(hook.headers, hook.body)).toBe(true);
    const event = JSON.parse(hook.body);
    expect([event.provider, event.digest_id, event.event_type]).toEqual(['webhook', digest.event.digest_id, 'cavra.endpoint_remediation_sla.escalation_owner_digest']);

    const evidence = JSON.parse(readFileSync(digest.delivery_evidence, 'utf8'));
    expect(evidence.deliveries.map((d: { provider: string; request: { url: string } }) => [d.provider, d.request.url])).toEqual([
      ['jira', `${receiver.url}`],
      ['servicenow', `${receiver.url}`],
      ['slack', `${receiver.url}`],
      ['teams', `${receiver.url}`],
      ['webhook', `${receiver.url}`]
    ]);

    // The same window again: the ledger has every notice as sent, so nothing goes out.
    const again = JSON.parse((await cli([...args, '--now', '2026-12-01T09:29:00Z'], env)).out);
    expect(receiver.requests).toHaveLength(5);
    expect(again.owner_digests[0].skipped).toBe('already_delivered');
    expect(again.owner_digests[0].skipped_providers.map((s: { provider: string }) => s.provider)).toEqual(['jira', 'servicenow', 'slack', 'teams', 'webhook']);

    // The next window is a new digest.
    await cli([...args, '--now', '2026-12-01T09:30:00Z'], env);
    expect(receiver.requests).toHaveLength(10);
  });

  test('one failing provider makes the run partial; the others are still delivered and the exit is 0', async () => {
    const ws = workspace();
    seedPlan(ws.json, ws.sqlite);
    receiver.respond('/slack', { status: 410, body: 'channel_is_archived' });
    const run = await cli(
      ['release', COMMAND.worker, ...ws.stores, '--execute', '--config', connectorsFile(ws.dir), '--output', ws.output, '--json', '--now', '2026-12-01T09:20:00Z'],
      secretsEnv()
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out);
    expect(result.run.status).toBe('partial');
    expect(result.metadata.status).toBe('partial');
    const record = result.owner_digests[0].metadata;
    expect([record.delivery_success, record.failed_providers, record.status_codes.slack, record.status_codes.jira]).toEqual([false, ['slack'], 410, 200]);
    const slack = result.owner_digests[0].delivery.deliveries.find((d: { provider: string }) => d.provider === 'slack');
    expect([slack.gone, slack.attempt_count, slack.error_class, slack.error]).toEqual([true, 1, 'gone', 'HTTP 410: channel_is_archived']);
    expect(receiver.at('/jira/rest/api/3/issue')).toHaveLength(1);

    // Health counts the owner-digest failure streak for slack.
    const health = JSON.parse((await cli(['release', COMMAND.health, ...ws.stores, '--json', '--now', '2026-12-01T09:25:00Z'], {})).out);
    expect([health.connector_delivery_failure_count, health.connector_delivery_failures_by_provider]).toEqual([1, { slack: 1 }]);

    // The next window: the gone destination is not tried again; the others are.
    receiver.respond('/slack', { status: 200, body: 'ok' });
    const next = JSON.parse(
      (await cli(['release', COMMAND.worker, ...ws.stores, '--execute', '--config', connectorsFile(ws.dir), '--output', ws.output, '--json', '--now', '2026-12-01T10:20:00Z'], secretsEnv())).out
    );
    expect(receiver.at('/slack')).toHaveLength(1);
    expect(next.owner_digests[0].skipped_providers).toEqual([
      { provider: 'slack', reason: 'the destination answered 410 Gone at 2026-12-01T09:20:00+00:00; point the connector elsewhere to deliver again' }
    ]);
    expect(next.owner_digests[0].metadata.providers).toEqual(['jira', 'servicenow', 'teams', 'webhook']);
  });
});

describe('the human summary of an execute pass', () => {
  test('says, per provider, what was sent, what failed and why, and what was not sent again', async () => {
    const ws = workspace();
    seedPlan(ws.json, ws.sqlite);
    receiver.respond('/teams', { status: 500, body: 'upstream error' });
    const args = ['release', COMMAND.worker, ...ws.stores, '--execute', '--config', connectorsFile(ws.dir, ['slack', 'teams']), '--output', ws.output, '--retries', '0'];
    const first = await cli([...args, '--now', '2026-12-01T09:20:00Z'], secretsEnv());
    expect(first.out.split('\n').filter((l) => /^  (slack|teams) /.test(l))).toEqual(['  slack       1 sent', '  teams       0 sent, 1 FAILED (HTTP 500: upstream error)']);
    const again = await cli([...args, '--now', '2026-12-01T09:25:00Z'], secretsEnv());
    const lines = again.out.split('\n').filter((l) => /^  (slack|teams) /.test(l));
    expect(lines[0]).toMatch(/^  slack {7}0 sent, 1 not sent \(already sent at .+ \(send ledger\)\)$/);
    // A failed notice may be tried again; a sent one may not.
    expect(lines[1]).toBe('  teams       0 sent, 1 FAILED (HTTP 500: upstream error)');
    expect(receiver.at('/slack')).toHaveLength(1);
    expect(receiver.at('/teams')).toHaveLength(2);
  });
});

describe('bad connector configuration: one line, exit 1, nothing written or sent', () => {
  test.each([
    ['malformed JSON', '{"connectors": ', /^cavra: --config .*connectors\.json: invalid JSON \(.+\)$/, {}],
    ['a missing secret variable', JSON.stringify({ connectors: { slack: { url_env: 'SLACK_WEBHOOK_URL' } } }), /^cavra: --config .*connectors\.json: slack\.url_env: environment variable SLACK_WEBHOOK_URL is not set$/, {}],
    ['an enabled provider without a URL', JSON.stringify({ connectors: { teams: { enabled: true } } }), /^cavra: --config .*connectors\.json: teams: an enabled connector needs url or url_env$/, {}],
    ['a malformed entry', JSON.stringify({ connectors: { teams: { url: 'https://example.invalid/x', format: 'html' } } }), /^cavra: --config .*connectors\.json: teams\.format: invalid option: expected one of "adaptive-card"\|"message-card"$/, {}],
    ['jira without credentials', JSON.stringify({ connectors: { jira: { url: 'https://example.invalid/rest/api/3/issue' } } }), /^cavra: --config .*connectors\.json: jira: needs authorization_env, token_env or api_key_env \(jira requires authentication\)$/, {}]
  ])('%s', async (_, content, message, env) => {
    const ws = workspace();
    const config = join(ws.dir, 'connectors.json');
    writeFileSync(config, content);
    for (const command of [COMMAND.worker, COMMAND.deliverHealthAlert]) {
      const args = command === COMMAND.worker ? ['--execute'] : [];
      const run = await cli(['release', command, ...ws.stores, ...args, '--config', config, '--now', '2026-12-01T09:20:00Z'], env);
      expect([run.code, run.out]).toEqual([1, '']);
      expect(run.err).toMatch(message);
    }
    expect([existsSync(ws.json), existsSync(ws.sqlite), receiver.requests.length]).toEqual([false, false, 0]);
  });

  test('a provider asked for but not configured', async () => {
    const ws = workspace();
    const run = await cli(['release', COMMAND.worker, ...ws.stores, '--execute', '--config', connectorsFile(ws.dir, ['slack']), '--provider', 'jira', '--now', '2026-12-01T09:20:00Z'], secretsEnv());
    expect([run.code, run.err]).toEqual([1, `cavra: --provider jira: connector provider is not configured (or is disabled) in --config ${join(ws.dir, 'connectors.json')}`]);
  });

  test('a malformed routing policy', async () => {
    const ws = workspace();
    const policy = join(ws.dir, 'routing.json');
    writeFileSync(policy, JSON.stringify({ rules: [{ rule_id: 'r', providers: 'slack' }] }));
    const run = await cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', connectorsFile(ws.dir), '--routing-policy', policy], secretsEnv());
    expect([run.code, run.err]).toEqual([1, `cavra: --routing-policy ${policy}: rules.0.providers invalid input: expected array, received string`]);
    expect(existsSync(ws.sqlite)).toBe(false);
  });
});

describe('health-alert lifecycle', () => {
  function writeRun(json: string, sqlite: string, at: string, failed = false): void {
    const now = parseInstant(at)!;
    const store = openEvidenceStore({ metadataJson: json, sqlite }, now);
    const input = { now, schedule: { intervalMinutes: 30, enabled: true }, dryRun: true, generatedBy: 'test', retryPolicy: DEFAULT_RETRY_POLICY, maxDigestPlans: 5 };
    if (failed) store.write([automationRunRecord(failedRun(input, 'runner lost the evidence volume'))]);
    store.close();
  }

  test('one notice per episode and provider, a reminder after the window unless acknowledged, a new episode on a new fingerprint, one resolved notice', async () => {
    const ws = workspace();
    const env = secretsEnv();
    const config = connectorsFile(ws.dir, ['slack', 'webhook']);
    const deliver = (now: string, ...extra: string[]) =>
      cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', config, '--output', ws.output, '--json', '--now', now, ...extra], env);

    // No run at all: critical missed_run plus missing stage evidence.
    const first = JSON.parse((await deliver('2026-12-01T10:00:00Z')).out);
    const healthId = first.plan.health_id;
    expect(healthId).toMatch(/^erslah-[0-9a-f]{16}$/);
    expect([first.plan.fingerprint, first.plan.selected_providers, first.plan.lifecycle_step]).toEqual(['critical|missed_run,stale_metadata', ['slack', 'webhook'], 'open']);
    expect(receiver.requests.map((r) => r.path.split('?')[0])).toEqual(expect.arrayContaining(['/slack', '/webhook']));
    expect(receiver.requests).toHaveLength(2);
    expect(JSON.parse(receiver.at('/slack')[0]!.body).text).toBe(
      `CAVRA recurrence automation health critical: ${healthId}\n1 missed runs, 0 failed jobs, 4 stale metadata categories, and 0 connector delivery failures.`
    );

    // Inside the 60-minute window: same episode, nothing sent, both suppressed with the reason.
    const second = JSON.parse((await deliver('2026-12-01T10:30:00Z')).out);
    expect(second.plan.health_id).toBe(healthId);
    expect(second.plan.selected_providers).toEqual([]);
    expect(second.plan.suppressed_providers.map((s: { reason: string }) => s.reason)).toEqual([
      'delivered at 2026-12-01T10:00:00+00:00, inside the 60-minute repeat window',
      'delivered at 2026-12-01T10:00:00+00:00, inside the 60-minute repeat window'
    ]);
    expect(receiver.requests).toHaveLength(2);

    // Slack acknowledges; after the window only the webhook gets a reminder.
    const ack = await cli(['release', COMMAND.ack, healthId, ...ws.stores, '--provider', 'slack', '--acknowledged-by', 'oncall@example.com', '--now', '2026-12-01T10:40:00Z', '--json'], env);
    expect(ack.code).toBe(0);
    const third = JSON.parse((await deliver('2026-12-01T11:01:00Z')).out);
    expect([third.plan.health_id, third.plan.selected_providers]).toEqual([healthId, ['webhook']]);
    expect(third.plan.suppressed_providers[0].reason).toBe('acknowledged (acknowledged) by oncall@example.com at 2026-12-01T10:40:00+00:00');
    expect(receiver.at('/webhook')).toHaveLength(2);
    expect(JSON.parse(receiver.at('/webhook')[1]!.body).lifecycle_step).toBe('repeat');
    // The webhook-id differs between the first notice and the reminder, and each is signed.
    expect(receiver.at('/webhook')[0]!.headers['webhook-id']).not.toBe(receiver.at('/webhook')[1]!.headers['webhook-id']);
    expect(verifySignature(receiver.at('/webhook')[1]!.headers, receiver.at('/webhook')[1]!.body)).toBe(true);

    // A failed run changes the fingerprint: a new episode with a new health_id goes to both again.
    writeRun(ws.json, ws.sqlite, '2026-12-01T11:10:00Z', true);
    const fourth = JSON.parse((await deliver('2026-12-01T11:15:00Z')).out);
    expect(fourth.plan.health_id).not.toBe(healthId);
    expect([fourth.plan.fingerprint, fourth.plan.selected_providers]).toEqual(['critical|failed_job,stale_metadata', ['slack', 'webhook']]);
    expect(receiver.requests).toHaveLength(5);

    // Recovery: fresh evidence and a successful pass; one resolved notice per reached provider.
    seedPlan(ws.json, ws.sqlite);
    const store = openEvidenceStore({ metadataJson: ws.json, sqlite: ws.sqlite }, parseInstant('2026-12-01T11:20:00Z')!);
    store.write([recurrencePlanRecord('erslaescrp-2222222222222222', '2026-12-01T11:20:00+00:00', [route('payments', 'slack', 'wait', 'recurrence interval 60 minutes has not elapsed')])]);
    store.close();
    await cli(['release', COMMAND.worker, ...ws.stores, '--now', '2026-12-01T11:20:00Z'], env);
    const fifth = JSON.parse((await deliver('2026-12-01T11:25:00Z')).out);
    expect([fifth.health.alert_level, fifth.plan.health_id, fifth.plan.episode_state, fifth.plan.selected_providers]).toEqual(['healthy', fourth.plan.health_id, 'resolved', ['slack', 'webhook']]);
    expect(receiver.requests).toHaveLength(7);
    expect(JSON.parse(receiver.at('/slack')[2]!.body).text).toBe(
      `CAVRA recurrence automation health resolved: ${fourth.plan.health_id}\nThe worker is healthy again; the episode that started at 2026-12-01T11:15:00+00:00 (critical|failed_job,stale_metadata) is resolved.`
    );

    // Healthy with no open episode: nothing.
    const sixth = await deliver('2026-12-01T11:30:00Z');
    expect(JSON.parse(sixth.out).plan).toBeNull();
    expect(receiver.requests).toHaveLength(7);

    // History and dashboard see it all; the second episode's slack acknowledgement is outstanding until resolved.
    const history = JSON.parse((await cli(['release', COMMAND.alertHistory, ...ws.stores, '--health-id', healthId, '--json', '--now', '2026-12-01T11:31:00Z'], env)).out);
    expect(history.items.map((r: { metadata_kind: string }) => r.metadata_kind.replace(/^.*-health-alert-/, '').replace('release-connector-delivery', 'delivery'))).toEqual([
      'plan',
      'delivery',
      'ack',
      'plan',
      'plan',
      'delivery'
    ]);
    const dashboard = JSON.parse((await cli(['release', COMMAND.alertDashboard, ...ws.stores, '--json', '--now', '2026-12-01T11:31:00Z'], env)).out);
    expect([dashboard.plan_count, dashboard.delivery_count, dashboard.acknowledgement_count, dashboard.failed_delivery_count]).toEqual([5, 4, 1, 0]);
    expect(dashboard.outstanding_acknowledgements).toEqual([{ health_id: healthId, provider: 'webhook', plan_id: third.plan.plan_id }]);
  });

  test('--force sends inside the window; --suppression-window-minutes 0 repeats every time', async () => {
    const ws = workspace();
    const env = secretsEnv();
    const config = connectorsFile(ws.dir, ['webhook']);
    const deliver = (now: string, ...extra: string[]) =>
      cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', config, '--output', ws.output, '--json', '--now', now, ...extra], env);
    await deliver('2026-12-01T10:00:00Z');
    await deliver('2026-12-01T10:05:00Z', '--force');
    await deliver('2026-12-01T10:06:00Z', '--suppression-window-minutes', '0');
    await deliver('2026-12-01T10:07:00Z');
    expect(receiver.at('/webhook').map((r) => JSON.parse(r.body).lifecycle_step)).toEqual(['open', 'repeat', 'repeat']);
  });
});

describe('acknowledgements from the command line', () => {
  test.each([
    ['no --provider', ['--acknowledged-by', 'me'], 2, "cavra: required option '--provider <name>' not specified"],
    ['no --acknowledged-by', ['--provider', 'slack'], 2, "cavra: required option '--acknowledged-by <who>' not specified"],
    ['an unknown state', ['--provider', 'slack', '--acknowledged-by', 'me', '--acknowledgement-state', 'snoozed'], 1, "cavra: option '--acknowledgement-state <state>' argument 'snoozed' is invalid. unknown state 'snoozed' (expected one of acknowledged, dismissed, escalated, resolved)"],
    ['an unknown provider', ['--provider', 'pagerduty', '--acknowledged-by', 'me'], 1, "cavra: option '--provider <name>' argument 'pagerduty' is invalid. unknown provider 'pagerduty' (expected one of webhook, slack, teams, jira, servicenow)"]
  ])('%s', async (_, extra, code, message) => {
    const ws = workspace();
    const run = await cli(['release', COMMAND.ack, 'erslah-0123456789abcdef', ...ws.stores, ...extra], {});
    expect([run.code, run.err]).toEqual([code, message]);
    expect(existsSync(ws.sqlite)).toBe(false);
  });

  test('an id no plan in the store has is still recorded, with a note to check it', async () => {
    const ws = workspace();
    const run = await cli(['release', COMMAND.ack, 'erslah-0123456789abcdef', ...ws.stores, '--provider', 'slack', '--acknowledged-by', 'me', '--now', '2026-12-01T10:00:00Z'], {});
    expect(run.code).toBe(0);
    expect(run.out.split('\n')[1]).toBe('Note: no health-alert plan in this store has that id; check it against the notice.');
  });

  test('states are normalised ("escalated", "Dismissed") and recorded in the seed shape', async () => {
    const ws = workspace();
    const run = await cli(['release', COMMAND.ack, 'erslah-0123456789abcdef', ...ws.stores, '--provider', 'Slack', '--acknowledged-by', 'me', '--acknowledgement-state', 'Dismissed', '--external-ref', 'INC-1', '--json', '--now', '2026-12-01T10:00:00Z'], {});
    const result = JSON.parse(run.out);
    expect(result.metadata).toMatchObject({
      metadata_kind: KIND.healthAlertAck,
      signer: 'me',
      decision_count: 1,
      health_id: 'erslah-0123456789abcdef',
      provider: 'slack',
      acknowledgement_state: 'dismissed',
      external_ref: 'INC-1',
      created_at: '2026-12-01T10:00:00+00:00'
    });
    expect(result.acknowledgement.acknowledgement_id).toMatch(/^erslahack-[0-9a-f]{16}$/);
  });
});

describe('secrets', () => {
  test('a canary in every secret reaches no store, evidence file, stdout or stderr', async () => {
    const ws = workspace();
    seedPlan(ws.json, ws.sqlite);
    const canary = 'CANARY-7f3a9c';
    const env = secretsEnv(canary);
    const config = connectorsFile(ws.dir);
    receiver.respond('/teams', { status: 500, body: `upstream error echoing ${canary}-teams` });
    const outputs: Run[] = [];
    outputs.push(await cli(['release', COMMAND.worker, ...ws.stores, '--execute', '--config', config, '--output', ws.output, '--retries', '0', '--json', '--now', '2026-12-01T09:20:00Z'], env));
    outputs.push(await cli(['release', COMMAND.worker, ...ws.stores, '--execute', '--config', config, '--output', ws.output, '--retries', '0', '--now', '2026-12-01T09:50:00Z'], env));
    const alert = await cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', config, '--output', ws.output, '--retries', '0', '--json', '--now', '2026-12-01T12:00:00Z'], env);
    outputs.push(alert, await cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', config, '--output', ws.output, '--now', '2026-12-01T12:01:00Z', '--force'], env));
    const healthId = JSON.parse(alert.out).plan.health_id;
    outputs.push(await cli(['release', COMMAND.ack, healthId, ...ws.stores, '--provider', 'jira', '--acknowledged-by', 'me', '--now', '2026-12-01T12:02:00Z'], env));
    const planFile = join(ws.dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify({ plan: { recurrence_plan_id: 'erslaescrp-3', route_decisions: [route('payments', 'slack', 'deliver')] } }));
    outputs.push(await cli(['release', COMMAND.deliverDigest, planFile, ...ws.stores, '--config', config, '--output', ws.output, '--json', '--now', '2026-12-01T12:03:00Z'], env));
    for (const command of [COMMAND.history, COMMAND.dashboard, COMMAND.health, COMMAND.alertHistory, COMMAND.alertDashboard]) {
      outputs.push(await cli(['release', command, ...ws.stores, '--json', '--now', '2026-12-01T12:04:00Z'], env));
      outputs.push(await cli(['release', command, ...ws.stores, '--now', '2026-12-01T12:04:00Z'], env));
    }
    expect(outputs.every((o) => o.code === 0)).toBe(true);
    expect(receiver.requests.length).toBeGreaterThan(10);
    for (const o of outputs) {
      expect(o.out).not.toContain(canary);
      expect(o.err).not.toContain(canary);
    }
    const files = [ws.json, ws.sqlite, ...readdirSync(ws.output).map((f) => join(ws.output, f))];
    expect(readdirSync(ws.output).filter((f) => f.endsWith('-connector-delivery.json')).length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      expect(statSync(file).size).toBeGreaterThan(0);
      expect(readFileSync(file, 'latin1')).not.toContain(canary);
    }
  });
});

describe('commands that record what they send need a store, and a folder for their evidence', () => {
  test.each([
    [COMMAND.ack, ['erslah-0123456789abcdef', '--provider', 'slack', '--acknowledged-by', 'me']],
    [COMMAND.deliverHealthAlert, ['--config', 'CONFIG']],
    [COMMAND.deliverDigest, ['PLAN', '--config', 'CONFIG']]
  ])('%s without --metadata-json or --sqlite is refused before anything is sent', async (command, args) => {
    const ws = workspace();
    const config = connectorsFile(ws.dir, ['webhook']);
    const plan = join(ws.dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ recurrence_plan_id: 'erslaescrp-9', route_decisions: [route('payments', 'slack', 'deliver')] }));
    const run = await cli(['release', command, ...args.map((a) => (a === 'CONFIG' ? config : a === 'PLAN' ? plan : a))], secretsEnv());
    expect([run.code, run.err]).toEqual([
      1,
      `cavra: --metadata-json or --sqlite: ${command} records what it does (and what it has sent) in the evidence store; name at least one`
    ]);
    expect(receiver.requests).toHaveLength(0);
  });

  test('an output folder that cannot be written is refused before anything is sent', async () => {
    const ws = workspace();
    const blocked = join(ws.dir, 'a-file');
    writeFileSync(blocked, 'not a folder');
    const run = await cli(['release', COMMAND.deliverHealthAlert, ...ws.stores, '--config', connectorsFile(ws.dir, ['webhook']), '--output', join(blocked, 'out')], secretsEnv());
    expect([run.code, run.err]).toEqual([1, `cavra: --output ${join(blocked, 'out')}: cannot write there (ENOTDIR)`]);
    expect(receiver.requests).toHaveLength(0);
    expect(existsSync(ws.sqlite)).toBe(false);
  });
});
