import { describe, expect, test } from '@jest/globals';
import type { Connector } from '../../src/delivery/connector-config.js';
import { jiraLabel, jiraPayload } from '../../src/delivery/payloads/jira.js';
import { providerPayload } from '../../src/delivery/payloads/index.js';
import { servicenowPayload } from '../../src/delivery/payloads/servicenow.js';
import { slackPayload } from '../../src/delivery/payloads/slack.js';
import { teamsPayload } from '../../src/delivery/payloads/teams.js';
import { digestNotice, healthAlertNotice, resolvedNotice, type Notice } from '../../src/domain/notice.js';
import type { JsonObject } from '../../src/domain/records.js';

type Obj = Record<string, any>;

function owners(count: number): JsonObject[] {
  return Array.from({ length: count }, (_, i) => ({
    owner: `owner-${String(i + 1).padStart(3, '0')}`,
    route_count: i + 1,
    retry_count: i % 3,
    providers: { slack: 1, jira: i }
  }));
}

function digest(ownerCount: number, planId = 'erslaescrp-aaaaaaaaaaaaaaaa'): JsonObject {
  const list = owners(ownerCount);
  return {
    recurrence_plan_id: planId,
    retry_plan_id: 'erslaescrr-bbbbbbbbbbbbbbbb',
    summary: { unresolved_route_count: list.reduce((n, o) => n + Number(o.route_count), 0), retryable_count: 2, waiting_retry_count: 1 },
    owners: list
  };
}

function health(level: 'critical' | 'warning', alertCount = 2): JsonObject {
  return {
    alert_level: level,
    fingerprint: 'fp-1234',
    latest_run_id: 'run-1',
    latest_run_at: '2026-12-01T11:55:00+00:00',
    missed_run_count: 2,
    failed_job_count: 1,
    stale_metadata_count: 0,
    connector_delivery_failure_count: 3,
    alerts: Array.from({ length: alertCount }, (_, i) => ({ category: `category-${i}`, severity: level, message: `alert message ${i}` }))
  };
}

const digestCritical = digestNotice(digest(3), 'erslaescdigest-0123456789abcdef');
const digestHealthy = digestNotice(digest(0), 'erslaescdigest-fedcba9876543210');
const warning = healthAlertNotice(health('warning'), 'erslaeschealth-1111111111111111', 8, 0);
const critical = healthAlertNotice(health('critical'), 'erslaeschealth-2222222222222222', 8, 1);
const resolved = resolvedNotice('erslaeschealth-2222222222222222', 'fp-1234', '2026-12-01T10:00:00+00:00', '2026-12-01T12:00:00+00:00');

function withFacts(notice: Notice, count: number): Notice {
  return { ...notice, facts: Array.from({ length: count }, (_, i) => ({ name: `fact-${i}`, value: `value-${i}` })) };
}

describe('notices used for the payloads', () => {
  test('levels: digest critical or healthy, health warning or critical, resolved healthy', () => {
    expect([digestCritical.level, digestHealthy.level, warning.level, critical.level, resolved.level]).toEqual(['critical', 'healthy', 'warning', 'critical', 'healthy']);
    expect(critical.title).toBe('CAVRA recurrence automation health critical (reminder): erslaeschealth-2222222222222222');
    expect(digestCritical.message).toBe('6 unresolved recurrence routes across 3 owners.');
  });
});

describe('Slack', () => {
  test('text fallback, header, message section, fields and context', () => {
    const payload = slackPayload(digestCritical) as Obj;
    expect(payload.text).toBe(`${digestCritical.title}\n${digestCritical.message}`);
    expect(payload.blocks.map((b: Obj) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: digestCritical.title, emoji: true } });
    expect(payload.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: digestCritical.message } });
    expect(payload.blocks[2].fields).toEqual([
      { type: 'mrkdwn', text: '*owner-001*\nroutes=1 retries=0 slack=1 jira=0' },
      { type: 'mrkdwn', text: '*owner-002*\nroutes=2 retries=1 slack=1 jira=1' },
      { type: 'mrkdwn', text: '*owner-003*\nroutes=3 retries=2 slack=1 jira=2' }
    ]);
    expect(payload.blocks[3]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Generated from public CAVRA recurrence automation evidence.' }] });
  });

  test('a header over 150 characters is clipped to 150 with an ellipsis', () => {
    const notice = digestNotice(digest(1, `erslaescrp-${'x'.repeat(200)}`), 'k');
    expect(notice.title.length).toBeGreaterThan(150);
    const header = (slackPayload(notice) as Obj).blocks[0].text.text as string;
    expect(header).toHaveLength(150);
    expect(header).toBe(`${notice.title.slice(0, 149)}…`);
  });

  test('a header of exactly 150 characters is kept whole', () => {
    const notice = { ...digestCritical, title: 't'.repeat(150) };
    expect((slackPayload(notice) as Obj).blocks[0].text.text).toBe('t'.repeat(150));
  });

  test('at most 10 fields; the rest are counted in the context; blocks stay within 50 even with 100 facts', () => {
    const payload = slackPayload(withFacts(warning, 100)) as Obj;
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    expect(payload.blocks).toHaveLength(4);
    const fields = payload.blocks.find((b: Obj) => b.fields).fields;
    expect(fields).toHaveLength(10);
    expect(fields[9].text).toBe('*fact-9*\nvalue-9');
    expect(payload.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '90 more not shown. Generated from public CAVRA recurrence automation evidence.' }] });
    expect(typeof payload.text).toBe('string');
    expect(payload.text.length).toBeGreaterThan(0);
  });

  test('a digest with 100 owners fits the limits too', () => {
    const payload = slackPayload(digestNotice(digest(100), 'k')) as Obj;
    expect(payload.blocks.length).toBeLessThanOrEqual(50);
    expect(payload.blocks.find((b: Obj) => b.fields).fields).toHaveLength(10);
  });

  test('no facts: no fields section, context still present', () => {
    const payload = slackPayload(digestHealthy) as Obj;
    expect(payload.blocks.map((b: Obj) => b.type)).toEqual(['header', 'section', 'context']);
    expect(payload.text).toBe(`${digestHealthy.title}\n${digestHealthy.message}`);
  });

  test('section text is within 3000 characters and fields within 2000', () => {
    const long = { ...warning, message: 'm'.repeat(5000), facts: [{ name: 'n', value: 'v'.repeat(3000) }] };
    const payload = slackPayload(long) as Obj;
    expect(payload.blocks[1].text.text).toHaveLength(3000);
    expect(payload.blocks[2].fields[0].text).toHaveLength(2000);
  });
});

describe('Teams', () => {
  test('adaptive card: a message with one Adaptive Card 1.2 attachment', () => {
    const payload = teamsPayload(critical, 'adaptive-card') as Obj;
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const attachment = payload.attachments[0];
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content.type).toBe('AdaptiveCard');
    expect(attachment.content.version).toBe('1.2');
    expect(attachment.content.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    const [title, message, factSet] = attachment.content.body;
    expect(title).toMatchObject({ type: 'TextBlock', text: critical.title, weight: 'Bolder', wrap: true, color: 'attention' });
    expect(message).toMatchObject({ type: 'TextBlock', text: critical.message, wrap: true });
    expect(factSet).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'category-0', value: 'critical: alert message 0' },
        { title: 'category-1', value: 'critical: alert message 1' }
      ]
    });
  });

  test('adaptive card: at most 20 facts', () => {
    const payload = teamsPayload(withFacts(warning, 35), 'adaptive-card') as Obj;
    const factSet = payload.attachments[0].content.body.find((b: Obj) => b.type === 'FactSet');
    expect(factSet.facts).toHaveLength(20);
    expect(factSet.facts[19]).toEqual({ title: 'fact-19', value: 'value-19' });
  });

  test('adaptive card: no FactSet without facts', () => {
    const payload = teamsPayload(digestHealthy, 'adaptive-card') as Obj;
    expect(payload.attachments[0].content.body.map((b: Obj) => b.type)).toEqual(['TextBlock', 'TextBlock']);
  });

  test.each([
    ['critical', critical, 'DC2626', 'attention'],
    ['warning', warning, 'D97706', 'warning'],
    ['healthy', resolved, '2E7D32', 'good']
  ] as const)('%s: MessageCard themeColor %s, card colour %s', (_, notice, themeColor, cardColour) => {
    const legacy = teamsPayload(notice, 'message-card') as Obj;
    expect(legacy).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: notice.title,
      title: notice.title,
      text: notice.message,
      themeColor
    });
    expect((teamsPayload(notice, 'adaptive-card') as Obj).attachments[0].content.body[0].color).toBe(cardColour);
  });

  test('message card: facts as name/value, at most 20', () => {
    const legacy = teamsPayload(withFacts(critical, 25), 'message-card') as Obj;
    expect(legacy.sections).toHaveLength(1);
    expect(legacy.sections[0].facts).toHaveLength(20);
    expect(legacy.sections[0].facts[0]).toEqual({ name: 'fact-0', value: 'value-0' });
  });
});

describe('Jira', () => {
  test('v3: an ADF description, project key, issue type, labels with the sanitised dedup key', () => {
    const payload = jiraPayload(digestCritical, { projectKey: 'OPS', issueType: 'Incident', apiVersion: 3 }) as Obj;
    const { fields } = payload;
    expect(fields.project).toEqual({ key: 'OPS' });
    expect(fields.issuetype).toEqual({ name: 'Incident' });
    expect(fields.summary).toBe(digestCritical.title);
    expect(fields.description.type).toBe('doc');
    expect(fields.description.version).toBe(1);
    const lines = [digestCritical.message, ...digestCritical.details];
    expect(fields.description.content).toEqual(lines.map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] })));
    expect(fields.labels).toEqual(['cavra', 'endpoint-remediation', 'sla', 'critical', 'cavra-erslaescdigest-0123456789abcdef']);
  });

  test('v2: a plain-text description', () => {
    const payload = jiraPayload(warning, { projectKey: 'SRE', issueType: 'Task', apiVersion: 2 }) as Obj;
    expect(payload.fields.description).toBe([warning.message, ...warning.details].join('\n'));
    expect(payload.fields.project).toEqual({ key: 'SRE' });
    expect(payload.fields.issuetype).toEqual({ name: 'Task' });
    expect(payload.fields.labels).toContain('warning');
    expect(payload.fields.labels).toContain('cavra-erslaeschealth-1111111111111111');
  });

  test('no project key: no project field (the URL implies it)', () => {
    const payload = jiraPayload(warning, { issueType: 'Task', apiVersion: 3 }) as Obj;
    expect(payload.fields).not.toHaveProperty('project');
  });

  test('labels cannot hold spaces or other characters Jira rejects', () => {
    expect(jiraLabel('owner digest|plan/1 2026.12')).toBe('cavra-owner-digest-plan-1-2026-12');
    const payload = jiraPayload({ ...warning, dedupKey: 'a b:c' }, { issueType: 'Task', apiVersion: 3 }) as Obj;
    expect(payload.fields.labels.at(-1)).toBe('cavra-a-b-c');
    for (const label of payload.fields.labels) expect(label).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('the summary is within 255 characters', () => {
    const payload = jiraPayload({ ...warning, title: 's'.repeat(400) }, { issueType: 'Task', apiVersion: 3 }) as Obj;
    expect(payload.fields.summary).toHaveLength(255);
  });

  test('ADF text nodes are never empty', () => {
    const payload = jiraPayload({ ...warning, details: ['first', '', 'third'] }, { issueType: 'Task', apiVersion: 3 }) as Obj;
    for (const paragraph of payload.fields.description.content) {
      for (const node of paragraph.content ?? []) expect(node.text.length).toBeGreaterThan(0);
    }
  });
});

describe('ServiceNow', () => {
  test.each([
    ['critical', critical, '1', '1'],
    ['warning', warning, '2', '2'],
    ['healthy', resolved, '3', '2']
  ] as const)('%s: impact %s, urgency %s', (_, notice, impact, urgency) => {
    const payload = servicenowPayload(notice) as Obj;
    expect(payload.impact).toBe(impact);
    expect(payload.urgency).toBe(urgency);
    expect(payload.correlation_id).toBe(notice.dedupKey);
  });

  test('fields: short description, description, category and the correlation id', () => {
    expect(servicenowPayload(digestCritical)).toEqual({
      short_description: digestCritical.title,
      description: [digestCritical.message, ...digestCritical.details].join('\n'),
      category: 'software',
      subcategory: 'endpoint_runtime',
      impact: '1',
      urgency: '1',
      correlation_id: 'erslaescdigest-0123456789abcdef',
      correlation_display: 'CAVRA recurrence automation'
    });
    expect(servicenowPayload(digestHealthy)).toMatchObject({ impact: '3', urgency: '2', correlation_id: 'erslaescdigest-fedcba9876543210' });
  });

  test('short_description is within 160 characters', () => {
    expect((servicenowPayload({ ...warning, title: 'x'.repeat(300) }) as Obj).short_description).toHaveLength(160);
  });
});

describe('providerPayload', () => {
  const base: Omit<Connector, 'provider'> = {
    url: 'https://x.example.com',
    urlIsSecret: false,
    method: 'POST',
    headers: {},
    secretHeaders: [],
    teamsFormat: 'adaptive-card',
    jira: { issueType: 'Task', apiVersion: 3 }
  };
  const event: JsonObject = { event_type: 'owner_digest', digest_id: 'd-1', plan: { nested: [1, 2] } };

  test('a webhook gets the whole event plus provider', () => {
    expect(providerPayload({ ...base, provider: 'webhook' }, warning, event)).toEqual({ ...event, provider: 'webhook' });
  });

  test('each other provider gets its own rendering', () => {
    expect(providerPayload({ ...base, provider: 'slack' }, warning, event)).toEqual(slackPayload(warning));
    expect(providerPayload({ ...base, provider: 'teams', teamsFormat: 'message-card' }, warning, event)).toEqual(teamsPayload(warning, 'message-card'));
    expect(providerPayload({ ...base, provider: 'jira', jira: { projectKey: 'OPS', issueType: 'Bug', apiVersion: 2 } }, warning, event)).toEqual(
      jiraPayload(warning, { projectKey: 'OPS', issueType: 'Bug', apiVersion: 2 })
    );
    expect(providerPayload({ ...base, provider: 'servicenow' }, warning, event)).toEqual(servicenowPayload(warning));
  });
});
