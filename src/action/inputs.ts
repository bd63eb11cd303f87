import { z } from 'zod';

// Every action input in one schema; action.yml declares the same names and defaults (a test
// checks). Values arrive as strings (`core.getInput`), and all problems are reported at once.

const wholeNumber = (min: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min, `must be at least ${min}`);

export const INPUT_DEFAULTS = {
  'schedule-interval-minutes': '30',
  'metadata-json': '.cavra/evidence/metadata.json',
  sqlite: '.cavra/evidence/metadata.db',
  output: '.cavra/release/endpoint-remediation-sla-escalation-recurrence-automation',
  'retry-policy': '',
  'expected-interval-minutes': '',
  'stale-metadata-minutes': '120',
  'lookback-hours': '168',
  'max-digest-plans': '5',
  'generated-by': ''
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

export const inputSchema = z.object({
  'schedule-interval-minutes': wholeNumber(1),
  'metadata-json': z.string().trim(),
  sqlite: z.string().trim(),
  output: z.string().trim().min(1, 'must name a folder'),
  'retry-policy': z.string().trim(),
  'expected-interval-minutes': z.union([z.literal(''), wholeNumber(1)]),
  'stale-metadata-minutes': wholeNumber(1),
  'lookback-hours': wholeNumber(1),
  'max-digest-plans': wholeNumber(1).refine((n) => n <= 25, 'must be at most 25'),
  'generated-by': z.string().trim()
});

export type ActionInputs = z.infer<typeof inputSchema>;

/** Reads every input through `read` (core.getInput) and validates them together. */
export function parseInputs(read: (name: string) => string): { inputs?: ActionInputs; errors: string[] } {
  const raw = Object.fromEntries(
    (Object.keys(INPUT_DEFAULTS) as InputName[]).map((name) => [name, read(name) || INPUT_DEFAULTS[name]])
  );
  const result = inputSchema.safeParse(raw);
  if (result.success) {
    if (!result.data['metadata-json'] && !result.data.sqlite) {
      return { errors: ['input metadata-json or sqlite: at least one evidence store is needed'] };
    }
    return { inputs: result.data, errors: [] };
  }
  return { errors: result.error.issues.map((issue) => `input ${issue.path.join('.')}: ${issue.message}`) };
}
