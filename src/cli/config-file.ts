import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConnectorConfigError, resolveConnectorConfig, type ConnectorConfig } from '../delivery/connector-config.js';
import { EMPTY_POLICY, type RoutingPolicy } from '../domain/health-alert.js';
import type { JsonObject } from '../domain/records.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../domain/retry-plan.js';
import { InputError } from './errors.js';
import { errorCode } from '../error-text.js';

/** Reads a JSON object, or YAML for `.yaml`/`.yml`, as the seed's policy and connector loader does. */
export function readObjectFile(path: string, flag: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot read the file (${errorCode(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new InputError(`${flag} ${path}: invalid ${extname(path).toLowerCase().startsWith('.y') ? 'YAML' : 'JSON'} (${firstLine((error as Error).message)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`${flag} ${path}: expected an object at the top level`);
  }
  return parsed as Record<string, unknown>;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

const count = z.number().finite();

// The seed's keys and aliases; values below the minimum are raised to it, as the seed does.
const retryPolicySchema = z.looseObject({
  max_retry_attempts: count.optional(),
  max_retries: count.optional(),
  retry_delay_minutes: count.optional(),
  delay_minutes: count.optional(),
  backoff_multiplier: count.optional(),
  multiplier: count.optional()
});

/** A policy file's first problem, named by file and field, as one line. */
function parsePolicy<T extends z.ZodType>(schema: T, raw: unknown, source: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError(`${source}: ${issue.path.join('.') || 'policy'} ${issue.message.toLowerCase()}`);
}

export function retryPolicyFrom(raw: Record<string, unknown>, source: string): RetryPolicy {
  const p = parsePolicy(retryPolicySchema, raw, source);
  return {
    maxRetryAttempts: Math.max(1, Math.floor(p.max_retry_attempts ?? p.max_retries ?? DEFAULT_RETRY_POLICY.maxRetryAttempts)),
    retryDelayMinutes: Math.max(1, p.retry_delay_minutes ?? p.delay_minutes ?? DEFAULT_RETRY_POLICY.retryDelayMinutes),
    backoffMultiplier: Math.max(1, p.backoff_multiplier ?? p.multiplier ?? DEFAULT_RETRY_POLICY.backoffMultiplier)
  };
}

export function loadRetryPolicy(path: string | undefined): RetryPolicy {
  if (!path) return DEFAULT_RETRY_POLICY;
  return retryPolicyFrom(readObjectFile(path, '--retry-policy'), `--retry-policy ${path}`);
}

const names = z.array(z.string());
const minimum = z.number().int().min(0).optional();
const ruleSchema = z.looseObject({
  rule_id: z.string().optional(),
  id: z.string().optional(),
  alert_levels: names.optional(),
  categories: names.optional(),
  alert_categories: names.optional(),
  min_missed_runs: minimum,
  min_failed_jobs: minimum,
  min_stale_metadata: minimum,
  min_connector_failures: minimum,
  providers: names.optional(),
  owner: z.string().optional(),
  acknowledgement_required: z.boolean().optional(),
  ack_required: z.boolean().optional(),
  suppression_window_minutes: z.number().min(0).optional()
});
const routingSchema = z.looseObject({
  rules: z.array(ruleSchema).optional(),
  health_alert_routing: z.array(ruleSchema).optional(),
  notification_routing: z.array(ruleSchema).optional(),
  default_providers: names.optional(),
  suppression_window_minutes: z.number().min(0).optional(),
  owner: z.string().optional()
});

/** The seed's routing policy: `rules` (else `health_alert_routing`, else `notification_routing`). */
export function routingPolicyFrom(raw: Record<string, unknown>, source: string): RoutingPolicy {
  const p = parsePolicy(routingSchema, raw, source);
  const rules = (p.rules ?? p.health_alert_routing ?? p.notification_routing ?? []).map((r, index) => ({
    rule_id: r.rule_id ?? r.id ?? `rule-${index + 1}`,
    alert_levels: (r.alert_levels ?? []).map((l) => l.toLowerCase()),
    categories: r.categories ?? r.alert_categories ?? [],
    min_missed_runs: r.min_missed_runs ?? 0,
    min_failed_jobs: r.min_failed_jobs ?? 0,
    min_stale_metadata: r.min_stale_metadata ?? 0,
    min_connector_failures: r.min_connector_failures ?? 0,
    providers: r.providers ?? [],
    ...(r.owner ? { owner: r.owner } : {}),
    ...(r.acknowledgement_required ?? r.ack_required) !== undefined ? { acknowledgement_required: (r.acknowledgement_required ?? r.ack_required)! } : {},
    ...(r.suppression_window_minutes !== undefined ? { suppression_window_minutes: r.suppression_window_minutes } : {})
  }));
  return {
    rules,
    default_providers: p.default_providers ?? [],
    ...(p.suppression_window_minutes !== undefined ? { suppression_window_minutes: p.suppression_window_minutes } : {}),
    ...(p.owner ? { owner: p.owner } : {})
  };
}

export function loadRoutingPolicy(path: string | undefined): RoutingPolicy {
  if (!path) return EMPTY_POLICY;
  return routingPolicyFrom(readObjectFile(path, '--routing-policy'), `--routing-policy ${path}`);
}

/** Reads and resolves a connector configuration file; every problem names the file and the field. */
export function loadConnectorConfig(path: string, env: NodeJS.ProcessEnv): ConnectorConfig {
  const raw = readObjectFile(path, '--config');
  try {
    return resolveConnectorConfig(raw, env, `--config ${path}`);
  } catch (error) {
    if (error instanceof ConnectorConfigError) throw new InputError(error.message);
    throw error;
  }
}

/** A plan file as the seed accepts it: the artifact, `{"plan": ...}`, or its store record. */
export function artifactFile(path: string, flag: string, nestedKey: string): Record<string, unknown> & JsonObject {
  const raw = readObjectFile(path, flag);
  const inner = isRecord(raw.plan) ? raw.plan : isRecord(raw[nestedKey]) ? raw[nestedKey] : raw;
  return inner as Record<string, unknown> & JsonObject;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
