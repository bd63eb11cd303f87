import { describe, expect, test } from '@jest/globals';
import { REDACTED, redactHeaders, redactUrl, scrubSecrets } from '../../src/delivery/redaction.js';

describe('redactHeaders', () => {
  test('authorization and API-key headers become REDACTED; others are kept', () => {
    expect(
      redactHeaders({
        'content-type': 'application/json',
        authorization: 'Bearer sekret-token',
        'x-api-key': 'k-123456',
        'api-key': 'k-abcdef',
        'dd-api-key': 'dd-7890',
        'webhook-id': 'msg-1'
      })
    ).toEqual({
      'content-type': 'application/json',
      authorization: REDACTED,
      'x-api-key': REDACTED,
      'api-key': REDACTED,
      'dd-api-key': REDACTED,
      'webhook-id': 'msg-1'
    });
    expect(REDACTED).toBe('REDACTED');
  });

  test('header names match whatever their case', () => {
    expect(redactHeaders({ Authorization: 'Basic dXNlcjpwYXNz', 'X-API-Key': 'abc12345' })).toEqual({ Authorization: REDACTED, 'X-API-Key': REDACTED });
  });

  test('extra secret header names are redacted too, case-insensitively', () => {
    expect(redactHeaders({ 'x-custom-key': 'c-1234', 'content-type': 'application/json' }, ['X-Custom-Key'])).toEqual({
      'x-custom-key': REDACTED,
      'content-type': 'application/json'
    });
  });

  test('any configured custom header is redacted; only content-type, accept, user-agent and the webhook-* headers are kept', () => {
    expect(
      redactHeaders({
        'x-custom-secret': 'CUSTOMHEADERSECRET1111',
        accept: 'application/json',
        'user-agent': 'cavra',
        'webhook-id': 'msg-1',
        'webhook-timestamp': '1',
        'webhook-signature': 'v1,abc'
      })
    ).toEqual({
      'x-custom-secret': REDACTED,
      accept: 'application/json',
      'user-agent': 'cavra',
      'webhook-id': 'msg-1',
      'webhook-timestamp': '1',
      'webhook-signature': 'v1,abc'
    });
  });

  test('the input is not changed', () => {
    const headers = { authorization: 'Bearer t0ken' };
    redactHeaders(headers);
    expect(headers).toEqual({ authorization: 'Bearer t0ken' });
  });
});

describe('redactUrl', () => {
  test('a URL from the environment keeps only scheme and host', () => {
    expect(redactUrl('https://example.atlassian.net/rest/api/3/issue', true)).toBe('https://example.atlassian.net');
    expect(redactUrl('http://127.0.0.1:8080/hook/secret-path', true)).toBe('http://127.0.0.1:8080');
  });

  test.each([
    ['https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'https://hooks.slack.com'],
    ['https://contoso.webhook.office.com/webhookb2/aaaa@bbbb/IncomingWebhook/cccc/dddd', 'https://contoso.webhook.office.com'],
    [
      'https://prod-12.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=SIGNATURE',
      'https://prod-12.westeurope.logic.azure.com'
    ],
    ['https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke', 'https://prod-01.westus.logic.azure.com']
  ])('a chat webhook URL keeps only scheme and host even from the file: %s', (url, expected) => {
    expect(redactUrl(url, false)).toBe(expected);
  });

  test('any URL with a query string keeps only scheme and host', () => {
    expect(redactUrl('https://receiver.example.com/hook/path?token=abcdef', false)).toBe('https://receiver.example.com');
  });

  test('a URL with credentials in it keeps only scheme and host', () => {
    expect(redactUrl('https://user:pa55word@receiver.example.com/hook', false)).toBe('https://receiver.example.com');
  });

  test('a plain Jira URL from the file keeps its path', () => {
    expect(redactUrl('https://example.atlassian.net/rest/api/3/issue', false)).toBe('https://example.atlassian.net/rest/api/3/issue');
    expect(redactUrl('https://dev1234.service-now.com/api/now/table/incident', false)).toBe('https://dev1234.service-now.com/api/now/table/incident');
  });

  test('a host that only looks like Slack is not mistaken for it', () => {
    expect(redactUrl('https://hooks.slack.com.example.org/services/x', false)).toBe('https://hooks.slack.com.example.org/services/x');
  });

  test('an unparseable URL is REDACTED altogether', () => {
    expect(redactUrl('not a url with sekret', false)).toBe(REDACTED);
  });
});

describe('scrubSecrets', () => {
  test('replaces every occurrence of every secret', () => {
    expect(scrubSecrets('token abcd1234 then abcd1234 and key wxyz9876', ['abcd1234', 'wxyz9876'])).toBe('token REDACTED then REDACTED and key REDACTED');
  });

  test('the longest secret goes first, so a secret containing another is removed whole', () => {
    expect(scrubSecrets('url https://x.test/hook/abcd-efgh and abcd', ['abcd', 'https://x.test/hook/abcd-efgh'])).toBe('url REDACTED and REDACTED');
    expect(scrubSecrets('xx abcdefgh yy', ['abcd', 'abcdefgh'])).toBe('xx REDACTED yy');
  });

  test('secrets shorter than 4 characters are ignored', () => {
    expect(scrubSecrets('a b abc abcd', ['a', 'abc', '', 'abcd'])).toBe('a b abc REDACTED');
  });

  test('text without secrets is unchanged', () => {
    expect(scrubSecrets('HTTP 500: rollup_error', ['sekret-1'])).toBe('HTTP 500: rollup_error');
    expect(scrubSecrets('HTTP 500', [])).toBe('HTTP 500');
  });
});
