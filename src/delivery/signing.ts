import { createHmac } from 'node:crypto';

// Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, the exact
// bytes sent. A `whsec_` secret is base64 after the prefix; any other secret is used as its bytes.

export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function standardWebhookHeaders(id: string, timestampSeconds: number, body: string, secret: string): Record<string, string> {
  const signature = createHmac('sha256', signingKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}
