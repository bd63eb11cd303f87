import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

// Finds every `cavra release <command> …` line in a template, script or document and checks it
// against the CLI's own commander definitions, without running anything: the command exists,
// every flag is declared, values parse, required flags and arguments are there. A renamed or
// removed flag in src/cli/program.ts therefore breaks the template tests.

export interface CliLine {
  file: string;
  /** 1-based line where the command starts. */
  line: number;
  /** The command line after continuation joining and variable substitution. */
  text: string;
  words: string[];
}

/**
 * Plausible values for the shell variables the templates use in command lines. An unknown
 * variable is an error, so a new one gets a value here instead of passing unchecked.
 */
export const PLAUSIBLE: Record<string, string> = {
  metadata_json: '/var/lib/cavra/evidence/metadata.json',
  sqlite: '/var/lib/cavra/evidence/metadata.db',
  output: '/var/lib/cavra/release/endpoint-remediation-sla-escalation-recurrence-automation',
  alert_output: '/var/lib/cavra/release/endpoint-remediation-sla-escalation-recurrence-automation-health-alerts',
  config: '/etc/cavra/connectors/connectors.json',
  provider: 'slack,jira',
  interval: '30',
  stale: '120',
  generated_by: 'kubernetes:cronjob/cavra-recurrence-automation',
  routing_policy: '/etc/cavra/connectors/routing-policy.json',
  retry_policy: '/etc/cavra/retry-policy.json'
};

/** Joins `\`-newline continuations, keeping track of where each logical line started. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const physical = text.split(/\r?\n/);
  let current: string | undefined;
  let start = 0;
  physical.forEach((raw, index) => {
    const continued = /(^|[^\\])\\$/.test(raw);
    const body = continued ? raw.slice(0, -1) : raw;
    if (current === undefined) {
      current = body;
      start = index + 1;
    } else {
      current += ` ${body.replace(/^\s*#/, '')}`; // a continuation inside a comment block keeps its `#`
    }
    if (!continued) {
      out.push({ line: start, text: current });
      current = undefined;
    }
  });
  if (current !== undefined) out.push({ line: start, text: current });
  return out;
}

function substitute(text: string, file: string, line: number): string {
  const value = (name: string): string => {
    const found = PLAUSIBLE[name];
    if (found === undefined) throw new Error(`${file}:${line}: no plausible value for $${name}; add one to PLAUSIBLE`);
    return found;
  };
  return text
    .replace(/\$\{(\w+):\+([^}]*)\}/g, (_m, name: string, word: string) => (value(name), word)) // ${x:+word}: as if set
    .replace(/\$\{(\w+):-([^}]*)\}/g, (_m, name: string) => value(name))
    .replace(/\$\{(\w+)\}/g, (_m, name: string) => value(name))
    .replace(/\$(\w+)/g, (_m, name: string) => value(name));
}

/** Shell-like words: quotes removed; stops at an unquoted `;`, `|`, `&`, `>`, `<`, backtick, `)` or comment. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced quote in: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (';|&><`)'.includes(c) || (c === '#' && !inWord)) {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Every `cavra release <command>` in a file (prose placeholders such as `cavra release <command>` are not commands). */
export function extractCliLines(file: string, text: string): CliLine[] {
  const found: CliLine[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const pattern = /(?:^|[\s;&|(`'"])cavra release (?=[a-z-])/g;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(logical)) !== null) {
      const start = match.index + match[0].length - 'cavra release '.length;
      const rest = logical.slice(start);
      const name = /^cavra release ([a-z][a-z-]*)/.exec(rest)?.[1];
      if (!name || name === 'help') continue;
      const substituted = substitute(rest, file, line);
      found.push({ file, line, text: substituted, words: shellWords(substituted) });
    }
  }
  return found;
}

function releaseCommand(): Command {
  const program = buildProgram({ out: () => {}, err: () => {}, env: {} });
  const release = program.commands.find((c) => c.name() === 'release');
  if (!release) throw new Error('the CLI has no release command');
  return release;
}

/** Problems with one command line; empty when commander would accept it. */
export function checkCliLine(cli: CliLine): string[] {
  const where = `${cli.file}:${cli.line}`;
  const [cavra, release, name, ...args] = cli.words;
  if (cavra !== 'cavra' || release !== 'release' || !name) return [`${where}: not a cavra release command: ${cli.text}`];
  if (name === '--help' || name === '-h') return [];
  const command = releaseCommand().commands.find((c) => c.name() === name);
  if (!command) return [`${where}: unknown command ${name}`];

  const problems: string[] = [];
  const seen: Option[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') continue;
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s) as [string, string | undefined];
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    if (!option) {
      problems.push(`${where}: ${name} has no option ${flag}`);
      continue;
    }
    seen.push(option);
    if (option.required || option.optional) {
      const value = inline ?? (option.required ? args[++i] : undefined);
      if (value === undefined) {
        problems.push(`${where}: ${flag} needs a value`);
        continue;
      }
      try {
        option.parseArg?.(value, option.defaultValue);
      } catch (error) {
        problems.push(`${where}: ${flag} ${value}: ${(error as Error).message}`);
      }
    }
  }
  for (const option of command.options) {
    if (option.mandatory && !seen.includes(option)) problems.push(`${where}: ${name} needs ${option.long}`);
  }
  for (const option of seen) {
    const conflicts = (option as Option & { conflictsWith: string[] }).conflictsWith ?? [];
    for (const other of seen) {
      if (conflicts.includes(other.attributeName())) problems.push(`${where}: ${option.long} conflicts with ${other.long}`);
    }
  }
  const declared = command.registeredArguments;
  const required = declared.filter((a) => a.required).length;
  if (positional.length < required || (!declared.some((a) => a.variadic) && positional.length > declared.length)) {
    problems.push(`${where}: ${name} takes ${declared.length} argument(s) (${required} required), got ${positional.length}: ${positional.join(' ')}`);
  }
  return problems;
}
