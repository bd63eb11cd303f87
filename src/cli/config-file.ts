import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../domain/retry-plan.js';
import { InputError } from './errors.js';

/** Reads a JSON object, or YAML for `.yaml`/`.yml`, as the seed's policy and connector loader does. */
export function readObjectFile(path: string, flag: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
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

export function retryPolicyFrom(raw: Record<string, unknown>, source: string): RetryPolicy {
  const result = retryPolicySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InputError(`${source}: ${issue.path.join('.') || 'policy'} ${issue.message.toLowerCase()}`);
  }
  const p = result.data;
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
