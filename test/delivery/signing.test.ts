import { describe, expect, test } from '@jest/globals';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { signingKey, standardWebhookHeaders } from '../../src/delivery/signing.js';

// Verification as a Standard Webhooks consumer does it: the key is the base64 after `whsec_`
// (any other secret is its UTF-8 bytes), the signed content is `id.timestamp.body` over the exact
// bytes received, and each `v1,` entry of the space-delimited list is compared in constant time.

function consumerKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

function verify(headers: Record<string, string>, body: string, secret: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return false;
  const expected = createHmac('sha256', consumerKey(secret)).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('Standard Webhooks signatures', () => {
  test('reproduces the published Standard Webhooks test vector', () => {
    const headers = standardWebhookHeaders('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    });
  });

  test('a whsec_ secret verifies as a consumer verifies it, over the exact body bytes', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const body = JSON.stringify({ event: 'digest', owners: ['payments', 'identity'], note: 'ünïcødé ✓' });
    const headers = standardWebhookHeaders('msg-0123456789abcdef', 1764590400, body, secret);
    expect(headers['webhook-id']).toBe('msg-0123456789abcdef');
    expect(headers['webhook-timestamp']).toBe('1764590400');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(headers, body, secret)).toBe(true);
  });

  test('a changed body, id, timestamp or secret fails verification', () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const body = '{"a":1}';
    const headers = standardWebhookHeaders('msg-1', 1764590400, body, secret);
    expect(verify(headers, '{"a": 1}', secret)).toBe(false); // re-serialised JSON breaks it
    expect(verify({ ...headers, 'webhook-id': 'msg-2' }, body, secret)).toBe(false);
    expect(verify({ ...headers, 'webhook-timestamp': '1764590401' }, body, secret)).toBe(false);
    expect(verify(headers, body, `whsec_${randomBytes(24).toString('base64')}`)).toBe(false);
  });

  test('the whsec_ key is the base64-decoded bytes, not the text', () => {
    const raw = randomBytes(32);
    const secret = `whsec_${raw.toString('base64')}`;
    expect(signingKey(secret).equals(raw)).toBe(true);
    const body = '{}';
    const headers = standardWebhookHeaders('msg-x', 1, body, secret);
    const asText = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`msg-x.1.${body}`).digest('base64');
    expect(headers['webhook-signature']).not.toBe(`v1,${asText}`);
  });

  test('a secret without the whsec_ prefix is used as its UTF-8 bytes', () => {
    const secret = 'plain shared secret é';
    expect(signingKey(secret).equals(Buffer.from(secret, 'utf8'))).toBe(true);
    const body = '{"x":"y"}';
    const headers = standardWebhookHeaders('msg-plain', 1764590400, body, secret);
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`msg-plain.1764590400.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(verify(headers, body, secret)).toBe(true);
  });
});
