import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConnectorConfigError, resolveConnectorConfig, selectConnectors } from '../../src/delivery/connector-config.js';

const SOURCE = '.cavra/connectors.json';
const SAMPLE = '/work/shared/samples/cavra-connectors.example.json';

/** The environment for the sample's five chat and ITSM providers only. */
const FIVE_ENV = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/slacksecretpath',
  TEAMS_WEBHOOK_URL: 'https://prod-12.westeurope.logic.azure.com/workflows/w1/triggers/manual/paths/invoke?sig=teamssig',
  JIRA_ISSUE_URL: 'https://example.atlassian.net/rest/api/3/issue',
  JIRA_TOKEN: 'jira-token-value',
  SERVICENOW_CHANGE_URL: 'https://dev1234.service-now.com/api/now/table/incident',
  SERVICENOW_TOKEN: 'snow-token-value',
  CAVRA_CONNECTOR_WEBHOOK_URL: 'https://receiver.example.com/cavra/hook-secret-path'
};

function error(fn: () => unknown): Error {
  try {
    fn();
  } catch (caught) {
    return caught as Error;
  }
  throw new Error('expected an error');
}

describe('resolveConnectorConfig: the three map forms', () => {
  const entry = { slack: { url: 'https://hooks.slack.com/services/T/B/X' }, webhook: { url: 'https://receiver.example.com/hook' } };

  test.each([
    ['connectors', { connectors: entry }],
    ['providers', { providers: entry }],
    ['the root object', entry]
  ])('reads the map under %s', (_, raw) => {
    const config = resolveConnectorConfig(raw, {}, SOURCE);
    expect([...config.connectors.keys()].sort()).toEqual(['slack', 'webhook']);
    expect(config.connectors.get('slack')!.url).toBe('https://hooks.slack.com/services/T/B/X');
  });

  test('`connectors` wins over `providers`, which wins over the root', () => {
    const config = resolveConnectorConfig(
      { connectors: { slack: { url: 'https://hooks.slack.com/a' } }, providers: { teams: { url: 'https://t.webhook.office.com/b' } } },
      {},
      SOURCE
    );
    expect([...config.connectors.keys()]).toEqual(['slack']);
  });

  test('a non-object configuration is an error naming the file', () => {
    expect(() => resolveConnectorConfig([], {}, SOURCE)).toThrow(ConnectorConfigError);
    expect(error(() => resolveConnectorConfig('x', {}, SOURCE)).message).toBe(`${SOURCE}: expected an object`);
  });

  test('defaults: POST, content-type JSON, adaptive card, Jira Task v3', () => {
    const config = resolveConnectorConfig({ connectors: { teams: { url: 'https://contoso.webhook.office.com/x' } } }, {}, SOURCE);
    const teams = config.connectors.get('teams')!;
    expect(teams).toMatchObject({
      provider: 'teams',
      method: 'POST',
      urlIsSecret: false,
      headers: { 'content-type': 'application/json' },
      secretHeaders: [],
      teamsFormat: 'adaptive-card',
      jira: { issueType: 'Task', apiVersion: 3 }
    });
    expect(teams.signingSecret).toBeUndefined();
  });
});

describe('resolveConnectorConfig: the sample file', () => {
  test('resolves with only the five providers\' variables set; splunk, sentinel and datadog are ignored', () => {
    const raw = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    const config = resolveConnectorConfig(raw, { ...FIVE_ENV }, SAMPLE);
    expect([...config.connectors.keys()].sort()).toEqual(['jira', 'servicenow', 'slack', 'teams', 'webhook']);
    for (const connector of config.connectors.values()) expect(connector.urlIsSecret).toBe(true);
    expect(config.connectors.get('jira')!.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer jira-token-value' });
    expect(config.connectors.get('servicenow')!.headers.authorization).toBe('Bearer snow-token-value');
    expect(config.connectors.get('slack')!.url).toBe(FIVE_ENV.SLACK_WEBHOOK_URL);
    expect(config.connectors.get('webhook')!.url).toBe(FIVE_ENV.CAVRA_CONNECTOR_WEBHOOK_URL);
    expect(config.secrets).toEqual(expect.arrayContaining(Object.values(FIVE_ENV)));
  });

  test('a missing variable of one of the five is an error naming file, provider, field and variable', () => {
    const raw = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    const { JIRA_TOKEN: _, ...env } = FIVE_ENV;
    const caught = error(() => resolveConnectorConfig(raw, env, SAMPLE));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toBe(`${SAMPLE}: jira.token_env: environment variable JIRA_TOKEN is not set`);
  });
});

describe('resolveConnectorConfig: errors', () => {
  test('a missing url_env variable names file, provider, field and variable', () => {
    expect(error(() => resolveConnectorConfig({ connectors: { slack: { url_env: 'SLACK_WEBHOOK_URL' } } }, {}, SOURCE)).message).toBe(
      `${SOURCE}: slack.url_env: environment variable SLACK_WEBHOOK_URL is not set`
    );
  });

  test('an empty variable counts as missing', () => {
    expect(error(() => resolveConnectorConfig({ connectors: { slack: { url_env: 'SLACK_WEBHOOK_URL' } } }, { SLACK_WEBHOOK_URL: '' }, SOURCE)).message).toBe(
      `${SOURCE}: slack.url_env: environment variable SLACK_WEBHOOK_URL is not set`
    );
  });

  test('an enabled provider without a URL is an error', () => {
    const caught = error(() => resolveConnectorConfig({ connectors: { teams: { format: 'message-card' } } }, {}, SOURCE));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toBe(`${SOURCE}: teams: an enabled connector needs url or url_env`);
  });

  test.each(['jira', 'servicenow'])('%s without auth is an error', (provider) => {
    const caught = error(() => resolveConnectorConfig({ connectors: { [provider]: { url: 'https://x.example.com/api' } } }, {}, SOURCE));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toMatch(new RegExp(`^${SOURCE.replace(/\./g, '\\.')}: ${provider}: `));
    expect(caught.message).toContain('requires authentication');
  });

  test.each(['slack', 'teams', 'webhook'])('%s without auth is fine', (provider) => {
    const config = resolveConnectorConfig({ connectors: { [provider]: { url: 'https://x.example.com/api' } } }, {}, SOURCE);
    expect(config.connectors.has(provider as 'slack')).toBe(true);
  });

  test('jira with an x-api-key, or a literal authorization, is authenticated', () => {
    expect(() => resolveConnectorConfig({ jira: { url: 'https://x.example.com', api_key_env: 'K' } }, { K: 'key-12345' }, SOURCE)).not.toThrow();
    expect(() => resolveConnectorConfig({ jira: { url: 'https://x.example.com', authorization_env: 'A' } }, { A: 'Basic abcdef' }, SOURCE)).not.toThrow();
  });

  test('headers that are not a map: an error naming provider and field', () => {
    const caught = error(() => resolveConnectorConfig({ connectors: { slack: { url: 'https://hooks.slack.com/x', headers: 'x-a: b' } } }, {}, SOURCE));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toMatch(/^\.cavra\/connectors\.json: slack\.headers: /);
  });

  test('a Teams format that is not known: an error naming provider and field', () => {
    const caught = error(() => resolveConnectorConfig({ connectors: { teams: { url: 'https://t.webhook.office.com/x', format: 'html' } } }, {}, SOURCE));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toMatch(/^\.cavra\/connectors\.json: teams\.format: /);
  });

  test('a provider entry that is not an object is an error', () => {
    expect(error(() => resolveConnectorConfig({ connectors: { webhook: 'https://x.example.com' } }, {}, SOURCE)).message).toBe(`${SOURCE}: webhook: expected an object`);
  });

  test('an invalid URL from the file is an error', () => {
    expect(error(() => resolveConnectorConfig({ webhook: { url: 'not a url' } }, {}, SOURCE)).message).toBe(`${SOURCE}: webhook.url: not a valid URL`);
  });

  test('an invalid URL from the environment is named by url_env and its value is not repeated', () => {
    const caught = error(() => resolveConnectorConfig({ webhook: { url_env: 'HOOK' } }, { HOOK: 'zz-not-a-url-sekret' }, SOURCE));
    expect(caught.message).toBe(`${SOURCE}: webhook.url_env: not a valid URL`);
    expect(caught.message).not.toContain('sekret');
  });

  test('a non-http URL from the environment is reported against url_env, the field the file has', () => {
    const caught = error(() => resolveConnectorConfig({ webhook: { url_env: 'HOOK' } }, { HOOK: 'ftp://files.example.com/drop' }, SOURCE));
    expect(caught.message).toBe(`${SOURCE}: webhook.url_env: must be an http or https URL`);
  });

  test('a non-http URL from the file is an error', () => {
    expect(error(() => resolveConnectorConfig({ webhook: { url: 'file:///etc/passwd' } }, {}, SOURCE)).message).toBe(`${SOURCE}: webhook.url: must be an http or https URL`);
  });
});

describe('resolveConnectorConfig: entries', () => {
  test('a disabled entry is skipped, even with its variables missing', () => {
    const config = resolveConnectorConfig(
      { connectors: { slack: { enabled: false, url_env: 'MISSING_URL' }, webhook: { url: 'https://receiver.example.com/h' } } },
      {},
      SOURCE
    );
    expect([...config.connectors.keys()]).toEqual(['webhook']);
    expect(config.secrets).toEqual([]);
  });

  test('unknown providers are ignored and need none of their variables', () => {
    const config = resolveConnectorConfig(
      { connectors: { splunk: { url_env: 'SPLUNK_HEC_URL', token_env: 'SPLUNK_HEC_TOKEN' }, github: { url: 'x' }, webhook: { url: 'https://r.example.com/h' } } },
      {},
      SOURCE
    );
    expect([...config.connectors.keys()]).toEqual(['webhook']);
  });

  test('token_env with authorization_scheme Basic gives `authorization: Basic <token>`', () => {
    const config = resolveConnectorConfig(
      { connectors: { jira: { url: 'https://example.atlassian.net/rest/api/3/issue', token_env: 'JIRA_BASIC', authorization_scheme: 'Basic' } } },
      { JIRA_BASIC: 'dXNlckBleGFtcGxlLmNvbTp0b2tlbg==' },
      SOURCE
    );
    expect(config.connectors.get('jira')!.headers.authorization).toBe('Basic dXNlckBleGFtcGxlLmNvbTp0b2tlbg==');
    expect(config.secrets).toContain('dXNlckBleGFtcGxlLmNvbTp0b2tlbg==');
  });

  test('authorization_env is the whole header value and wins over a token', () => {
    const config = resolveConnectorConfig(
      { servicenow: { url: 'https://dev.service-now.com/api/now/table/incident', authorization_env: 'SN_AUTH', token_env: 'SN_TOKEN' } },
      { SN_AUTH: 'Basic c246cGFzcw==', SN_TOKEN: 'unused-token' },
      SOURCE
    );
    expect(config.connectors.get('servicenow')!.headers.authorization).toBe('Basic c246cGFzcw==');
  });

  test('api_key_env with api_key_header sets that header and lists it among the secret headers', () => {
    const config = resolveConnectorConfig(
      { webhook: { url: 'https://receiver.example.com/h', api_key_env: 'HOOK_KEY', api_key_header: 'X-Receiver-Key' } },
      { HOOK_KEY: 'rk-0123456789' },
      SOURCE
    );
    const webhook = config.connectors.get('webhook')!;
    expect(webhook.headers['x-receiver-key']).toBe('rk-0123456789');
    expect(webhook.secretHeaders).toEqual(['x-receiver-key']);
    expect(config.secrets).toContain('rk-0123456789');
  });

  test('api_key_env without api_key_header uses x-api-key', () => {
    const config = resolveConnectorConfig({ webhook: { url: 'https://r.example.com/h', api_key_env: 'K' } }, { K: 'key-abcdef' }, SOURCE);
    expect(config.connectors.get('webhook')!.headers['x-api-key']).toBe('key-abcdef');
    expect(config.connectors.get('webhook')!.secretHeaders).toEqual(['x-api-key']);
  });

  test('headers are lower-cased and method upper-cased; provider extras are read', () => {
    const config = resolveConnectorConfig(
      {
        webhook: { url: 'https://r.example.com/h', method: 'put', headers: { 'X-Team': 'sre' }, signing_secret_env: 'SIGN', title: 'CAVRA' },
        teams: { url: 'https://t.webhook.office.com/x', format: 'message-card' },
        jira: { url: 'https://j.example.com', token_env: 'T', project_key: 'OPS', issue_type: 'Bug', api_version: '2' },
        servicenow: { url: 'https://s.example.com', token_env: 'T', table: 'u_cavra_incident' }
      },
      { SIGN: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVz', T: 'tok-98765' },
      SOURCE
    );
    expect(config.connectors.get('webhook')).toMatchObject({
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-team': 'sre' },
      signingSecret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVz'
    });
    expect(config.connectors.get('teams')!.teamsFormat).toBe('message-card');
    expect(config.connectors.get('jira')!.jira).toEqual({ projectKey: 'OPS', issueType: 'Bug', apiVersion: 2 });
    // A site or instance URL gains the create endpoint for the version or table; a full endpoint is kept.
    expect(config.connectors.get('jira')!.url).toBe('https://j.example.com/rest/api/2/issue');
    expect(config.connectors.get('servicenow')!.url).toBe('https://s.example.com/api/now/table/u_cavra_incident');
  });

  test('a missing signing secret variable is an error', () => {
    expect(error(() => resolveConnectorConfig({ webhook: { url: 'https://r.example.com/h', signing_secret_env: 'SIGN' } }, {}, SOURCE)).message).toBe(
      `${SOURCE}: webhook.signing_secret_env: environment variable SIGN is not set`
    );
  });

  test('every secret value is collected: env URLs, tokens, keys, authorization, signing secret and chat webhook URLs from the file', () => {
    const env = {
      HOOK_URL: 'https://receiver.example.com/hook/abc',
      HOOK_SIGN: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      HOOK_KEY: 'hook-api-key-1',
      JIRA_TOKEN: 'jira-token-2',
      SN_AUTH: 'Basic c25vdzpwYXNz'
    };
    const config = resolveConnectorConfig(
      {
        connectors: {
          webhook: { url_env: 'HOOK_URL', signing_secret_env: 'HOOK_SIGN', api_key_env: 'HOOK_KEY' },
          slack: { url: 'https://hooks.slack.com/services/T1/B1/literalslack' },
          teams: { url: 'https://contoso.webhook.office.com/webhookb2/literalteams' },
          jira: { url: 'https://example.atlassian.net/rest/api/3/issue', token_env: 'JIRA_TOKEN' },
          servicenow: { url: 'https://dev.service-now.com/api/now/table/incident', authorization_env: 'SN_AUTH' }
        }
      },
      env,
      SOURCE
    );
    expect(config.secrets).toEqual(
      expect.arrayContaining([...Object.values(env), 'https://hooks.slack.com/services/T1/B1/literalslack', 'https://contoso.webhook.office.com/webhookb2/literalteams'])
    );
    // a plain Jira or ServiceNow URL from the file is not a secret
    expect(config.secrets).not.toContain('https://example.atlassian.net/rest/api/3/issue');
  });
});

describe('selectConnectors', () => {
  const config = resolveConnectorConfig(JSON.parse(readFileSync(SAMPLE, 'utf8')), { ...FIVE_ENV }, SAMPLE);

  test('`all` selects every configured provider in sorted order', () => {
    expect(selectConnectors(config, 'all').map((c) => c.provider)).toEqual(['jira', 'servicenow', 'slack', 'teams', 'webhook']);
  });

  test('a comma list selects those providers, normalised', () => {
    expect(selectConnectors(config, 'slack,jira').map((c) => c.provider)).toEqual(['slack', 'jira']);
    expect(selectConnectors(config, ' Teams , ServiceNow').map((c) => c.provider)).toEqual(['teams', 'servicenow']);
  });

  test('an unconfigured provider is an error naming it', () => {
    const partial = resolveConnectorConfig({ slack: { url: 'https://hooks.slack.com/x' } }, {}, SOURCE);
    const caught = error(() => selectConnectors(partial, 'slack,jira'));
    expect(caught).toBeInstanceOf(ConnectorConfigError);
    expect(caught.message).toContain('jira');
    expect(caught.message).toContain('connector provider is not configured');
  });

  test('a provider named twice is selected once (it must never be delivered to twice)', () => {
    expect(selectConnectors(config, 'slack,Slack').map((c) => c.provider)).toEqual(['slack']);
  });
});

describe('endpoint URLs', () => {
  test('a full Jira or ServiceNow endpoint is kept as written', () => {
    const config = resolveConnectorConfig(
      {
        jira: { url: 'https://j.example.com/rest/api/3/issue', token_env: 'T' },
        servicenow: { url: 'https://s.example.com/api/now/v1/table/incident', token_env: 'T' }
      },
      { T: 'token-123456' },
      'connectors.json'
    );
    expect([config.connectors.get('jira')!.url, config.connectors.get('servicenow')!.url]).toEqual([
      'https://j.example.com/rest/api/3/issue',
      'https://s.example.com/api/now/v1/table/incident'
    ]);
  });
});

describe('secrets that could slip through', () => {
  test('credentials in a URL are refused up front, naming the field', () => {
    expect(() =>
      resolveConnectorConfig({ servicenow: { url: 'http://snowuser:SNOWPASSWORDINURL@127.0.0.1:18080/now', token: 'tok-123456' } }, {}, 'connectors.json')
    ).toThrow('connectors.json: servicenow.url: credentials in the URL are not sent; put them in authorization_env or token_env');
  });

  test('custom header values and a literal signing secret count as secrets', () => {
    const config = resolveConnectorConfig(
      { webhook: { url: 'https://r.example.com/h', headers: { 'X-Custom-Secret': 'CUSTOMHEADERSECRET1111' }, signing_secret: 'whsec_bGl0ZXJhbC1zZWNyZXQ=' } },
      {},
      'connectors.json'
    );
    expect(config.secrets).toEqual(expect.arrayContaining(['CUSTOMHEADERSECRET1111', 'whsec_bGl0ZXJhbC1zZWNyZXQ=']));
    expect(config.connectors.get('webhook')!.signingSecret).toBe('whsec_bGl0ZXJhbC1zZWNyZXQ=');
  });

  test('a Jira site URL with a query keeps the query after the added path', () => {
    const config = resolveConnectorConfig({ jira: { url: 'https://j.example.com/jira?x=1', token_env: 'T' } }, { T: 'token-123456' }, 'c.json');
    expect(config.connectors.get('jira')!.url).toBe('https://j.example.com/jira/rest/api/3/issue?x=1');
  });
});
