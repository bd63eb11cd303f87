// What may be persisted of a request: no secret value reaches the store, an evidence file, a log
// line or a summary. Auth headers become REDACTED; a URL that came from the environment, any chat
// webhook URL (Slack, Teams, Power Automate) and any URL with a query keep only scheme and host.

export const REDACTED = 'REDACTED';

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'dd-api-key', 'proxy-authorization', 'cookie']);
const WEBHOOK_HOSTS = [/(^|\.)hooks\.slack\.com$/, /(^|\.)webhook\.office\.com$/, /(^|\.)logic\.azure\.com$/, /(^|\.)powerplatform\.com$/, /(^|\.)powerautomate\.com$/];

// Headers whose values are kept in evidence; every other value (custom headers included) is redacted.
const PUBLIC_HEADERS = new Set(['content-type', 'accept', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature']);

export function redactHeaders(headers: Record<string, string>, extraSecretHeaders: readonly string[] = []): Record<string, string> {
  const secret = new Set([...SECRET_HEADERS, ...extraSecretHeaders.map((h) => h.toLowerCase())]);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, secret.has(name.toLowerCase()) || !PUBLIC_HEADERS.has(name.toLowerCase()) ? REDACTED : value])
  );
}

export function redactUrl(url: string, cameFromEnvironment: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  const hostOnly = cameFromEnvironment || parsed.search !== '' || parsed.username !== '' || WEBHOOK_HOSTS.some((pattern) => pattern.test(parsed.hostname));
  return hostOnly ? `${parsed.protocol}//${parsed.host}` : `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The last line of defence for free text (error messages, response excerpts): every known secret goes. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed;
}
