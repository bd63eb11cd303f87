import { InvalidArgumentError } from 'commander';
import { ACK_STATES } from '../domain/health-alert-ack.js';
import { normaliseProvider, PROVIDERS } from '../domain/providers.js';
import { parseInstant, type Instant } from '../domain/time.js';
import { InputError } from './errors.js';

// Flag value parsers. Commander reports their errors with the flag's name.

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
    const parsed = Number(value);
    if (parsed < min) throw new InvalidArgumentError(`must be at least ${min}, got ${parsed}`);
    if (parsed > max) throw new InvalidArgumentError(`must be at most ${max}, got ${parsed}`);
    return parsed;
  };
}

export function decimal(min: number, max = Number.MAX_VALUE) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
    if (parsed < min) throw new InvalidArgumentError(`must be at least ${min}, got ${parsed}`);
    if (parsed > max) throw new InvalidArgumentError(`must be at most ${max}, got ${parsed}`);
    return parsed;
  };
}


/** `all` or a comma list of the five providers, normalised as the seed does (lower case, `-` to `_`). */
export function providerList(value: string): string {
  const names = value.split(',').map(normaliseProvider).filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return 'all';
  const unknown = names.filter((name) => !(PROVIDERS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown provider '${unknown[0] ?? value}' (expected all or one of ${PROVIDERS.join(', ')})`);
  }
  return names.join(',');
}

/** `--now`, else `CAVRA_NOW`, else the wall clock: the one place the CLI reads the clock. */
export function resolveNow(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Instant {
  const [source, text] = flag !== undefined ? ['--now', flag] : env.CAVRA_NOW ? ['CAVRA_NOW', env.CAVRA_NOW] : [undefined, undefined];
  if (source === undefined || text === undefined) return Date.now() * 1000;
  const instant = parseInstant(text);
  if (instant === undefined) throw new InputError(`${source}: '${text}' is not an ISO-8601 instant (for example 2026-12-01T09:30:00Z)`);
  return instant;
}

/** Exactly one of the five providers. */
export function oneProvider(value: string): string {
  const name = normaliseProvider(value);
  if (!(PROVIDERS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`unknown provider '${value}' (expected one of ${PROVIDERS.join(', ')})`);
  }
  return name;
}

export function ackState(value: string): string {
  const state = value.trim().toLowerCase().replace(/-/g, '_');
  if (!(ACK_STATES as readonly string[]).includes(state)) {
    throw new InvalidArgumentError(`unknown state '${value}' (expected one of ${ACK_STATES.join(', ')})`);
  }
  return state;
}
