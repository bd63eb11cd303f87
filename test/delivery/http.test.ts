import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { retryAfterSeconds, send, type RetryOptions } from '../../src/delivery/http.js';
import { refusedUrl, startReceiver, type Receiver } from '../helpers/receiver.js';

// Real HTTP against a scripted receiver on 127.0.0.1; only the waits between attempts are faked
// (recorded, resolved at once) so their exact lengths can be asserted.

let receiver: Receiver;
let pathNo = 0;
/** When the slow receiver's last delayed answer is due: its timer outlives the aborted request. */
let slowAnswerDueAt = 0;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  const wait = slowAnswerDueAt - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 20));
});

/** A fresh path per test, so scripts and request counts never mix. */
function freshPath(name: string): string {
  pathNo += 1;
  return `/${name}-${pathNo}`;
}

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    retries: 3,
    timeoutSeconds: 5,
    backoffBaseMs: 5,
    random: () => 0.5,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
    slept,
    ...overrides
  };
}

const post = (url: string, body = '{"hello":"world"}') => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('send: timeouts and network errors', () => {
  test('a slow receiver is a timeout with no status code', async () => {
    const path = freshPath('slow');
    receiver.respond(path, { status: 200, delayMs: 1500 });
    slowAnswerDueAt = Date.now() + 1500;
    const started = Date.now();
    const result = await send(post(`${receiver.url}${path}`), options({ retries: 0, timeoutSeconds: 0.2 }));
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ success: false, status_code: null, error_class: 'timeout', gone: false, error: 'no response within 0.2 s' });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ status_code: null, error_class: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1400);
  });

  test('a timeout is retried', async () => {
    const path = freshPath('slow-then-fast');
    receiver.respond(path, { status: 200, delayMs: 1500 }, { status: 200 });
    slowAnswerDueAt = Date.now() + 1500;
    const opts = options({ retries: 1, timeoutSeconds: 0.2 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.attempts.map((a) => a.error_class)).toEqual(['timeout', null]);
    expect(opts.slept).toEqual([3.75]);
  });

  test('connection refused is a network error, retried `retries` times', async () => {
    const url = await refusedUrl();
    const opts = options({ retries: 2 });
    const result = await send(post(`${url}/hook`), opts);
    expect(result).toMatchObject({ success: false, status_code: null, error_class: 'network', gone: false });
    expect(result.error).toContain('connector endpoint unreachable');
    expect(result.error).toContain('ECONNREFUSED');
    expect(result.attempts).toHaveLength(3);
    expect(result.attempts.map((a) => [a.attempt, a.status_code, a.error_class])).toEqual([
      [1, null, 'network'],
      [2, null, 'network'],
      [3, null, 'network']
    ]);
    expect(opts.slept).toEqual([3.75, 7.5]);
  });
});

describe('send: success and server errors', () => {
  test('a 2xx on the first try is one attempt and a success', async () => {
    const path = freshPath('ok');
    receiver.respond(path, { status: 200, body: 'ok' });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.status_code).toBe(200);
    expect(result.error).toBeNull();
    expect(result.error_class).toBeNull();
    expect(result.gone).toBe(false);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ attempt: 1, status_code: 200, error_class: null });
    expect(result.attempts[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(result.attempts[0]!.started_at))).toBe(false);
    expect(opts.slept).toEqual([]);
    const [request] = receiver.at(path);
    expect(request).toMatchObject({ method: 'POST', body: '{"hello":"world"}' });
    expect(request!.headers['content-type']).toBe('application/json');
  });

  test('a 204 with no body is a success', async () => {
    const path = freshPath('nocontent');
    receiver.respond(path, { status: 204 });
    const result = await send(post(`${receiver.url}${path}`), options());
    expect(result).toMatchObject({ success: true, status_code: 204, error_class: null });
  });

  test('500 then 200: two attempts, the first classed server_error, one backoff wait', async () => {
    const path = freshPath('flaky');
    receiver.respond(path, { status: 500, body: 'rollup_error' }, { status: 200, body: 'ok' });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.status_code).toBe(200);
    expect(result.attempts.map((a) => [a.attempt, a.status_code, a.error_class])).toEqual([
      [1, 500, 'server_error'],
      [2, 200, null]
    ]);
    // backoff = min(max, 5·2^0)·(0.5 + 0.5/2) = 3.75
    expect(opts.slept).toEqual([3.75]);
    expect(receiver.at(path)).toHaveLength(2);
  });

  test('500 forever: retries+1 attempts with exponential backoff between them, and the last error kept', async () => {
    const path = freshPath('down');
    receiver.respond(path, { status: 503, body: 'unavailable\nsecond line' });
    const opts = options({ retries: 3 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(false);
    expect(result.status_code).toBe(503);
    expect(result.error_class).toBe('server_error');
    expect(result.error).toBe('HTTP 503: unavailable');
    expect(result.attempts).toHaveLength(4);
    expect(receiver.at(path)).toHaveLength(4);
    expect(opts.slept).toEqual([3.75, 7.5, 15]);
  });

  test('the backoff is capped by maxBackoffMs', async () => {
    const path = freshPath('capped');
    receiver.respond(path, { status: 502 });
    const opts = options({ retries: 3, backoffBaseMs: 5, maxBackoffMs: 8 });
    await send(post(`${receiver.url}${path}`), opts);
    expect(opts.slept).toEqual([3.75, 6, 6]);
  });

  test('408 is retried and classed as a timeout', async () => {
    const path = freshPath('408');
    receiver.respond(path, { status: 408 }, { status: 200 });
    const result = await send(post(`${receiver.url}${path}`), options());
    expect(result.success).toBe(true);
    expect(result.attempts.map((a) => a.error_class)).toEqual(['timeout', null]);
  });

  test('a negative retry count still makes one attempt', async () => {
    const path = freshPath('negative');
    receiver.respond(path, { status: 500 });
    const result = await send(post(`${receiver.url}${path}`), options({ retries: -2 }));
    expect(result.attempts).toHaveLength(1);
    expect(receiver.at(path)).toHaveLength(1);
  });
});

describe('send: rate limits and Retry-After', () => {
  test('429 with Retry-After: 2 then 200: the wait is 2000 ms, longer than the backoff', async () => {
    const path = freshPath('429');
    receiver.respond(path, { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' }, { status: 200 });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts[0]).toMatchObject({ status_code: 429, error_class: 'rate_limited', retry_after_seconds: 2 });
    expect(result.attempts[1]).not.toHaveProperty('retry_after_seconds');
    expect(opts.slept).toEqual([2000]);
  });

  test('a Retry-After shorter than the backoff waits the backoff', async () => {
    const path = freshPath('429short');
    receiver.respond(path, { status: 429, headers: { 'retry-after': '1' } }, { status: 200 });
    const opts = options({ backoffBaseMs: 5000 });
    await send(post(`${receiver.url}${path}`), opts);
    // max(5000·0.75, 1000)
    expect(opts.slept).toEqual([3750]);
  });

  test('a Retry-After above the cap waits the cap', async () => {
    const path = freshPath('429cap');
    receiver.respond(path, { status: 429, headers: { 'retry-after': '3600' } }, { status: 200 });
    const opts = options({ maxRetryAfterSeconds: 60 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.attempts[0]!.retry_after_seconds).toBe(3600);
    expect(opts.slept).toEqual([60000]);
  });

  test('the default Retry-After cap is 60 s', async () => {
    const path = freshPath('429defcap');
    receiver.respond(path, { status: 429, headers: { 'retry-after': '86400' } }, { status: 200 });
    const opts = options();
    await send(post(`${receiver.url}${path}`), opts);
    expect(opts.slept).toEqual([60000]);
  });

  test('a 503 with Retry-After is honoured too', async () => {
    const path = freshPath('503ra');
    receiver.respond(path, { status: 503, headers: { 'retry-after': '7' } }, { status: 201 });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result).toMatchObject({ success: true, status_code: 201 });
    expect(opts.slept).toEqual([7000]);
  });

  test('Retry-After as an HTTP date in the future: the seconds until then', async () => {
    const path = freshPath('429date');
    receiver.respond(path, { status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } }, { status: 200 });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    const seconds = result.attempts[0]!.retry_after_seconds!;
    // the date has whole-second resolution, so 29 or 30 seconds remain when it arrives
    expect([29, 30]).toContain(seconds);
    expect(opts.slept).toEqual([seconds * 1000]);
  });

  test('Retry-After as an HTTP date in the past is 0 seconds: the backoff applies', async () => {
    const path = freshPath('429past');
    receiver.respond(path, { status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } }, { status: 200 });
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.attempts[0]!.retry_after_seconds).toBe(0);
    expect(opts.slept).toEqual([3.75]);
  });

  test('retryAfterSeconds parses delta-seconds and HTTP dates and ignores garbage', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds(' 5 ', now)).toBe(5);
    expect(retryAfterSeconds('Tue, 01 Dec 2026 12:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds('', now)).toBeUndefined();
  });

  test('429 on the last attempt: no wait after it, a rate_limited failure', async () => {
    const path = freshPath('429forever');
    receiver.respond(path, { status: 429, headers: { 'retry-after': '3' } });
    const opts = options({ retries: 1 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result).toMatchObject({ success: false, status_code: 429, error_class: 'rate_limited', gone: false });
    expect(result.attempts).toHaveLength(2);
    expect(opts.slept).toEqual([3000]);
  });

  test('a legacy Teams 200 whose body reports HTTP 429 is rate limited and retried', async () => {
    const path = freshPath('teams-legacy');
    receiver.respond(
      path,
      { status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0' },
      { status: 200, body: '1' }
    );
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result.success).toBe(true);
    expect(result.attempts.map((a) => [a.status_code, a.error_class])).toEqual([
      [200, 'rate_limited'],
      [200, null]
    ]);
    expect(opts.slept).toEqual([3.75]);
    expect(receiver.at(path)).toHaveLength(2);
  });

  test('a legacy Teams 200 that keeps reporting HTTP 429 is a failure', async () => {
    const path = freshPath('teams-legacy-forever');
    receiver.respond(path, { status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429' });
    const result = await send(post(`${receiver.url}${path}`), options({ retries: 2 }));
    expect(result.success).toBe(false);
    expect(result.error_class).toBe('rate_limited');
    expect(result.error).toBe('HTTP 200: Microsoft Teams endpoint returned HTTP error 429');
    expect(result.attempts).toHaveLength(3);
  });
});

describe('send: failures that are not retried', () => {
  test('410 marks the destination gone after one attempt; the error carries Slack\'s body', async () => {
    const path = freshPath('gone');
    receiver.respond(path, { status: 410, body: 'channel_is_archived' });
    const opts = options({ retries: 5 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result).toMatchObject({ success: false, status_code: 410, error_class: 'gone', gone: true, error: 'HTTP 410: channel_is_archived' });
    expect(result.attempts).toHaveLength(1);
    expect(receiver.at(path)).toHaveLength(1);
    expect(opts.slept).toEqual([]);
  });

  test.each([
    [400, 'invalid_payload', 'client_error'],
    [404, 'channel_not_found', 'client_error'],
    [422, 'unprocessable', 'client_error'],
    [401, 'invalid_token', 'auth'],
    [403, 'action_prohibited', 'auth']
  ] as const)('%i is not retried (%s → %s)', async (status, body, errorClass) => {
    const path = freshPath(`status${status}`);
    receiver.respond(path, { status, body });
    const opts = options({ retries: 4 });
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result).toMatchObject({ success: false, status_code: status, error_class: errorClass, gone: false, error: `HTTP ${status}: ${body}` });
    expect(result.attempts).toHaveLength(1);
    expect(receiver.at(path)).toHaveLength(1);
    expect(opts.slept).toEqual([]);
  });

  test('the error text is the first line of the body, after the status', async () => {
    const path = freshPath('multiline');
    receiver.respond(path, { status: 400, body: '  invalid_blocks\nat blocks[3]\n' });
    const result = await send(post(`${receiver.url}${path}`), options());
    expect(result.error).toBe('HTTP 400: invalid_blocks');
  });

  test('an empty error body gives just the status', async () => {
    const path = freshPath('emptybody');
    receiver.respond(path, { status: 400, body: '' });
    const result = await send(post(`${receiver.url}${path}`), options());
    expect(result.error).toBe('HTTP 400');
  });

  test('302 is a redirect failure and is not followed', async () => {
    const path = freshPath('redirect');
    const target = freshPath('redirect-target');
    receiver.respond(path, { status: 302, headers: { location: `${receiver.url}${target}` } });
    const before = receiver.requests.length;
    const opts = options();
    const result = await send(post(`${receiver.url}${path}`), opts);
    expect(result).toMatchObject({ success: false, status_code: 302, error_class: 'redirect', gone: false });
    expect(result.attempts).toHaveLength(1);
    expect(receiver.requests.length - before).toBe(1);
    expect(receiver.at(target)).toHaveLength(0);
    expect(opts.slept).toEqual([]);
  });
});
