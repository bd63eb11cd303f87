import { z } from 'zod';

// Every action input in one schema; action.yml declares the same names and defaults (a test
// checks). Values arrive as strings (`core.getInput`), and all problems are reported at once.

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min, `must be at least ${min}`)
    .refine((n) => n <= max, `must be at most ${max}`);

const decimal = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .refine((n) => n >= min, `must be at least ${min}`);

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false'].includes(v), 'must be true or false')
  .transform((v) => v === 'true');

const optional = <T extends z.ZodType>(schema: T) => z.union([z.literal('').transform(() => undefined), schema]);

const PROVIDER_NAMES = ['all', 'webhook', 'slack', 'teams', 'jira', 'servicenow'];

export const INPUT_DEFAULTS = {
  execute: 'false',
  provider: 'all',
  connectors: '',
  'schedule-interval-minutes': '30',
  'metadata-json': '.cavra/evidence/metadata.json',
  sqlite: '.cavra/evidence/metadata.db',
  output: '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation',
  'retry-policy': '',
  'routing-policy': '',
  'expected-interval-minutes': '',
  'stale-metadata-minutes': '120',
  'suppression-window-minutes': '',
  'lookback-hours': '168',
  'max-digest-plans': '5',
  retries: '2',
  'timeout-seconds': '10',
  'generated-by': '',
  'restore-state': 'true',
  'save-state': 'true',
  'cache-key-prefix': 'cavra-recurrence-evidence',
  'artifact-name': 'cavra-recurrence-automation-evidence',
  'retention-days': '30',
  'restore-from-artifact': 'true',
  'acknowledge-health-id': '',
  'acknowledge-provider': '',
  'acknowledged-by': '',
  'acknowledgement-state': 'acknowledged',
  'github-token': ''
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

export const inputSchema = z.object({
  execute: flag,
  provider: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => v.split(',').every((p) => PROVIDER_NAMES.includes(p.trim().replace(/-/g, '_'))), `must be all or a comma list of ${PROVIDER_NAMES.slice(1).join(', ')}`),
  connectors: z.string(),
  'schedule-interval-minutes': wholeNumber(5, 1440),
  'metadata-json': z.string().trim(),
  sqlite: z.string().trim(),
  output: z.string().trim().min(1, 'must name a folder'),
  'retry-policy': z.string().trim(),
  'routing-policy': z.string().trim(),
  'expected-interval-minutes': optional(wholeNumber(1)),
  'stale-metadata-minutes': wholeNumber(1),
  'suppression-window-minutes': optional(wholeNumber(0)),
  'lookback-hours': wholeNumber(1),
  'max-digest-plans': wholeNumber(1, 25),
  retries: wholeNumber(0, 10),
  'timeout-seconds': decimal(0.1),
  'generated-by': z.string().trim(),
  'restore-state': flag,
  'save-state': flag,
  'cache-key-prefix': z.string().trim().regex(/^[A-Za-z0-9._-]+$/, 'may hold letters, digits, ".", "_" and "-" only'),
  'artifact-name': z.string().trim().regex(/^[^"<>|*?:\r\n\\/]+$/, 'must be a valid artifact name (no " : < > | * ? \\ /)'),
  'retention-days': wholeNumber(1, 90),
  'restore-from-artifact': flag,
  'acknowledge-health-id': z.union([z.literal(''), z.string().trim().regex(/^erslah-[0-9a-f]{16}$/, 'must be a health id such as erslah-0123456789abcdef')]),
  'acknowledge-provider': z.union([z.literal(''), z.enum(['webhook', 'slack', 'teams', 'jira', 'servicenow'])]),
  'acknowledged-by': z.string().trim(),
  'acknowledgement-state': z.enum(['acknowledged', 'dismissed', 'escalated', 'resolved']),
  'github-token': z.string()
});

export type ActionInputs = z.infer<typeof inputSchema>;

/** Reads every input through `read` (core.getInput) and validates them together. */
export function parseInputs(read: (name: string) => string): { inputs?: ActionInputs; errors: string[] } {
  const raw = Object.fromEntries((Object.keys(INPUT_DEFAULTS) as InputName[]).map((name) => [name, read(name) || INPUT_DEFAULTS[name]]));
  const result = inputSchema.safeParse(raw);
  const errors = result.success ? [] : result.error.issues.map((issue) => `input ${issue.path.join('.')}: ${issue.message}`);
  if (!raw['metadata-json'] && !raw.sqlite) errors.push('input metadata-json or sqlite: at least one evidence store is needed');
  if (raw['acknowledge-health-id'] && !raw['acknowledge-provider']) errors.push('input acknowledge-provider: needed with acknowledge-health-id');
  if (!result.success || errors.length > 0) return { errors };
  return { inputs: result.data, errors: [] };
}
