import { z } from 'zod';
import { normaliseProvider, PROVIDERS, type Provider } from '../domain/providers.js';

// The seed's connector configuration (reference §4.1): a map under `connectors`, `providers` or the
// root, one entry per provider. Only the five providers of this family are ours; other entries
// (splunk, github, ...) are ignored as the seed ignores unknown ones, so their secrets are not
// required either. Secrets come from environment variables (`*_env`) or the action's secret input.

export class ConnectorConfigError extends Error {
  override name = 'ConnectorConfigError';
}

const envName = z.string().trim().min(1, 'must name an environment variable');
const text = z.string();

const entrySchema = z.looseObject({
  enabled: z.boolean().optional(),
  url: text.optional(),
  url_env: envName.optional(),
  method: z.string().transform((m) => m.toUpperCase()).pipe(z.enum(['POST', 'PUT', 'PATCH'])).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  authorization: text.optional(),
  authorization_env: envName.optional(),
  token: text.optional(),
  token_env: envName.optional(),
  authorization_scheme: text.optional(),
  api_key: text.optional(),
  api_key_env: envName.optional(),
  api_key_header: text.optional(),
  signing_secret: text.optional(),
  signing_secret_env: envName.optional(),
  format: z.enum(['adaptive-card', 'message-card']).optional(),
  project_key: text.optional(),
  issue_type: text.optional(),
  api_version: z.union([z.literal(2), z.literal(3), z.literal('2'), z.literal('3')]).optional(),
  table: z.string().regex(/^[a-z0-9_]+$/, 'must be a table name such as incident').optional(),
  title: text.optional()
});

type Entry = z.infer<typeof entrySchema>;

export interface Connector {
  provider: Provider;
  url: string;
  /** The URL came from an environment variable, so it is a secret to persist as scheme and host only. */
  urlIsSecret: boolean;
  method: string;
  /** Request headers, auth included; lower-case names. */
  headers: Record<string, string>;
  /** Header names whose values are secrets, beyond the usual authorization ones. */
  secretHeaders: string[];
  /** Standard Webhooks signing secret (webhook only). */
  signingSecret?: string;
  teamsFormat: 'adaptive-card' | 'message-card';
  jira: { projectKey?: string; issueType: string; apiVersion: 2 | 3 };
}

export interface ConnectorConfig {
  connectors: Map<Provider, Connector>;
  /** Every secret value read, so callers can mask and redact them. */
  secrets: string[];
}

/** Validates a parsed configuration and resolves its environment variables; `source` names it in errors. */
export function resolveConnectorConfig(raw: unknown, env: NodeJS.ProcessEnv, source: string): ConnectorConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConnectorConfigError(`${source}: expected an object`);
  const root = raw as Record<string, unknown>;
  const map = isObject(root.connectors) ? root.connectors : isObject(root.providers) ? root.providers : root;
  const connectors = new Map<Provider, Connector>();
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(map)) {
    const provider = normaliseProvider(name);
    if (!(PROVIDERS as readonly string[]).includes(provider)) continue;
    if (!isObject(value)) throw new ConnectorConfigError(`${source}: ${name}: expected an object`);
    const parsed = entrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConnectorConfigError(`${source}: ${name}.${issue.path.join('.')}: ${issue.message.toLowerCase()}`);
    }
    if (parsed.data.enabled === false) continue;
    const connector = resolveEntry(provider as Provider, name, parsed.data, env, source, secrets);
    connectors.set(connector.provider, connector);
  }
  return { connectors, secrets };
}

function resolveEntry(provider: Provider, name: string, entry: Entry, env: NodeJS.ProcessEnv, source: string, secrets: string[]): Connector {
  const fromEnv = (field: string, variable: string | undefined): string | undefined => {
    if (!variable) return undefined;
    const value = env[variable];
    if (!value) throw new ConnectorConfigError(`${source}: ${name}.${field}: environment variable ${variable} is not set`);
    secrets.push(value);
    return value;
  };
  const literal = (value: string | undefined) => {
    if (value) secrets.push(value);
    return value;
  };

  const urlFromEnv = fromEnv('url_env', entry.url_env);
  const url = urlFromEnv ?? entry.url;
  if (!url) throw new ConnectorConfigError(`${source}: ${name}: an enabled connector needs url or url_env`);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new ConnectorConfigError(`${source}: ${name}.${urlFromEnv ? 'url_env' : 'url'}: not a valid URL`);
  }
  if (parsedUrl.username || parsedUrl.password) {
    throw new ConnectorConfigError(`${source}: ${name}.${urlFromEnv ? 'url_env' : 'url'}: credentials in the URL are not sent; put them in authorization_env or token_env`);
  }
  if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') {
    throw new ConnectorConfigError(`${source}: ${name}.${urlFromEnv ? 'url_env' : 'url'}: must be an http or https URL`);
  }
  // Slack, Teams and Workflows webhook URLs carry their credential in the path or query; keep the
  // pieces too, so an error message that echoes part of a URL is scrubbed as well.
  if (urlFromEnv || (provider !== 'webhook' && provider !== 'jira' && provider !== 'servicenow')) {
    secrets.push(url, ...urlCredentials(parsedUrl));
  }

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Configured header values may carry credentials: they are secrets for masking and redaction.
  for (const [key, value] of Object.entries(entry.headers ?? {})) {
    headers[key.toLowerCase()] = value;
    if (value.length >= 4) secrets.push(value);
  }
  const authorization = fromEnv('authorization_env', entry.authorization_env) ?? literal(entry.authorization);
  const token = fromEnv('token_env', entry.token_env) ?? literal(entry.token);
  const apiKey = fromEnv('api_key_env', entry.api_key_env) ?? literal(entry.api_key);
  if (authorization) headers.authorization = authorization;
  else if (token) headers.authorization = `${entry.authorization_scheme ?? 'Bearer'} ${token}`;
  const apiKeyHeader = (entry.api_key_header ?? 'x-api-key').toLowerCase();
  if (apiKey) headers[apiKeyHeader] = apiKey;
  if ((provider === 'jira' || provider === 'servicenow') && !authorization && !token && !apiKey) {
    throw new ConnectorConfigError(`${source}: ${name}: needs authorization_env, token_env or api_key_env (${provider} requires authentication)`);
  }
  const signingSecret = provider === 'webhook' ? (fromEnv('signing_secret_env', entry.signing_secret_env) ?? literal(entry.signing_secret)) : undefined;

  const apiVersion = Number(entry.api_version ?? 3) as 2 | 3;
  const table = entry.table ?? 'incident';
  return {
    provider,
    url: endpointUrl(provider, parsedUrl, apiVersion, table) ?? url,
    urlIsSecret: Boolean(urlFromEnv),
    method: (entry.method ?? 'POST').toUpperCase(),
    headers,
    secretHeaders: apiKey ? [apiKeyHeader] : [],
    ...(signingSecret ? { signingSecret } : {}),
    teamsFormat: entry.format ?? 'adaptive-card',
    jira: { ...(entry.project_key ? { projectKey: entry.project_key } : {}), issueType: entry.issue_type ?? 'Task', apiVersion }
  };
}

/** A Jira site or ServiceNow instance URL gains the create endpoint; a full endpoint URL is kept. */
function endpointUrl(provider: Provider, url: URL, apiVersion: 2 | 3, table: string): string | undefined {
  const suffix =
    provider === 'jira' && !url.pathname.includes('/rest/api/')
      ? `/rest/api/${apiVersion}/issue`
      : provider === 'servicenow' && !url.pathname.includes('/api/now/')
        ? `/api/now/table/${table}`
        : undefined;
  if (!suffix) return undefined;
  const endpoint = new URL(url.href);
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}${suffix}`;
  return endpoint.href;
}

/** Query values, user info, the path and its token-like segments (long, with digits) of a secret URL. */
function urlCredentials(url: URL): string[] {
  const pieces = [url.username, url.password, ...url.searchParams.values()].filter((piece) => piece.length >= 8);
  if (url.pathname.length > 1) pieces.push(url.pathname);
  pieces.push(...url.pathname.split('/').filter((segment) => segment.length >= 16 && /\d/.test(segment)));
  return pieces;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The providers a `--provider` value selects among the configured ones; unknown ones are an error. */
export function selectConnectors(config: ConnectorConfig, requested: string): Connector[] {
  if (requested === 'all') return [...config.connectors.values()].sort((a, b) => (a.provider < b.provider ? -1 : 1));
  const names = [...new Set(requested.split(',').map((name) => normaliseProvider(name)).filter(Boolean))];
  return names.map((name) => {
    const connector = config.connectors.get(normaliseProvider(name) as Provider);
    if (!connector) throw new ConnectorConfigError(`--provider ${name}: connector provider is not configured (or is disabled)`);
    return connector;
  });
}
