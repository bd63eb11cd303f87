import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// action.yml against the metadata schema GitHub documents for JavaScript actions (no published
// schema accepts node24 yet), and against the code: every output the action sets is declared.

const COLOURS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'] as const;

const actionSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  author: z.string().optional(),
  branding: z.strictObject({ icon: z.string().min(1), color: z.enum(COLOURS) }).optional(),
  inputs: z.record(
    z.string().regex(/^[a-z][a-z0-9-]*$/),
    z.strictObject({ description: z.string().min(1), required: z.boolean().optional(), default: z.string().optional(), deprecationMessage: z.string().optional() })
  ),
  outputs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.strictObject({ description: z.string().min(1) })),
  runs: z.strictObject({
    using: z.literal('node24'),
    main: z.string().regex(/\.js$/),
    pre: z.string().optional(),
    post: z.string().optional()
  })
});

const action = parseYaml(readFileSync('action.yml', 'utf8'));

describe('action.yml', () => {
  test('matches the metadata schema, runs on node24, and its entry point is committed', () => {
    const parsed = actionSchema.safeParse(action);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    expect(existsSync(join(action.runs.main))).toBe(true);
  });

  test('the schema refuses what GitHub would: node20, a missing main, an unknown key', () => {
    expect(actionSchema.safeParse({ ...action, runs: { using: 'node20', main: 'dist/index.js' } }).success).toBe(false);
    expect(actionSchema.safeParse({ ...action, runs: { using: 'node24' } }).success).toBe(false);
    expect(actionSchema.safeParse({ ...action, inputs: { x: { description: 'd', defualt: '1' } } }).success).toBe(false);
  });

  test('declares every output the action sets, and sets every output it declares', () => {
    const set = new Set<string>();
    for (const file of readdirSync('src/action')) {
      for (const match of readFileSync(join('src/action', file), 'utf8').matchAll(/setOutput\('([a-z-]+)'/g)) set.add(match[1]!);
    }
    expect([...set].sort()).toEqual(Object.keys(action.outputs).sort());
  });
});
