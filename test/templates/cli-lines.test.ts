import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { checkCliLine, extractCliLines, type CliLine } from './cli-lines.js';

// Every `cavra release …` command line in the templates, the script, the image recipe, the operator
// guide and the README must be one the CLI accepts: a renamed or removed flag fails here.

const FILES: Record<string, number> = {
  // file: the fewest command lines it must yield (so a broken extractor cannot pass by finding none)
  'examples/scripts/cavra-recurrence-run.sh': 5,
  'examples/github-actions/cavra-recurrence-automation.yml': 0,
  'examples/kubernetes/cavra-recurrence-automation-cronjob.yaml': 0,
  'examples/kubernetes/cavra-evidence-shell.yaml': 1,
  'examples/systemd/cavra-recurrence-automation.service': 0,
  'examples/systemd/cavra-recurrence-automation.timer': 0,
  'examples/systemd/cavra-recurrence-automation.env.example': 0,
  'examples/docker/Dockerfile': 0,
  'docs/operator-guide.md': 12,
  'README.md': 6
};

function linesOf(file: string): CliLine[] {
  return extractCliLines(file, readFileSync(file, 'utf8'));
}

describe('cavra release command lines', () => {
  test.each(Object.entries(FILES))('%s: every command line parses against the CLI', (file, minimum) => {
    const lines = linesOf(file);
    expect(lines.length).toBeGreaterThanOrEqual(minimum);
    expect(lines.flatMap(checkCliLine)).toEqual([]);
  });

  test('the script runs the worker pass in both modes, health in dry run and alert delivery in execute', () => {
    const lines = linesOf('examples/scripts/cavra-recurrence-run.sh');
    const commands = lines.map((l) => l.words[2]);
    expect(commands).toEqual([
      'deliver-endpoint-remediation-sla-escalation-recurrence-automation-health-alert',
      'endpoint-remediation-sla-escalation-recurrence-automation-health',
      'endpoint-remediation-sla-escalation-recurrence-automation',
      'endpoint-remediation-sla-escalation-recurrence-automation',
      'endpoint-remediation-sla-escalation-recurrence-automation-dashboard'
    ]);
    const [alert, , execute, dryRun] = lines as [CliLine, CliLine, CliLine, CliLine];
    expect(execute.words).toEqual(expect.arrayContaining(['--execute', '--config', '--provider', '--generated-by']));
    expect(execute.words).not.toContain('--dry-run');
    expect(dryRun.words).toContain('--dry-run');
    expect(dryRun.words).not.toContain('--execute');
    expect(dryRun.words).not.toContain('--config');
    expect(alert.words).toEqual(expect.arrayContaining(['--config', '--provider', '--generated-by', '--routing-policy']));
    // Every command names both stores: the alert and ack commands have no default store.
    for (const line of lines) expect(line.words).toEqual(expect.arrayContaining(['--metadata-json', '--sqlite']));
  });

  test('the checker catches unknown flags, missing required flags and arguments, bad values and conflicts', () => {
    const check = (text: string) => extractCliLines('inline', text).flatMap(checkCliLine);
    expect(check('cavra release endpoint-remediation-sla-escalation-recurrence-automation --dry-run --schedule-interval-minutes 30')).toEqual([]);
    expect(check('cavra release endpoint-remediation-sla-escalation-recurrence-automation --interval 30')).toContain(
      'inline:1: endpoint-remediation-sla-escalation-recurrence-automation has no option --interval'
    );
    expect(check('cavra release endpoint-remediation-sla-escalation-recurrence-automation --dry-run --execute')).toEqual(['inline:1: --dry-run conflicts with --execute']);
    expect(check('cavra release endpoint-remediation-sla-escalation-recurrence-automation --schedule-interval-minutes thirty')[0]).toMatch(/--schedule-interval-minutes thirty/);
    expect(check('cavra release deliver-endpoint-remediation-sla-escalation-recurrence-automation-health-alert --provider slack')).toEqual([
      'inline:1: deliver-endpoint-remediation-sla-escalation-recurrence-automation-health-alert needs --config'
    ]);
    expect(check('cavra release ack-endpoint-remediation-sla-escalation-recurrence-automation-health-alert --provider slack --acknowledged-by me')[0]).toMatch(/takes 1 argument/);
    expect(check('cavra release ack-endpoint-remediation-sla-escalation-recurrence-automation-health-alert erslah-0123456789abcdef --provider pager --acknowledged-by me')[0]).toMatch(/--provider pager/);
    expect(check('cavra release endpoint-remediation-sla-escalation-recurrence-automation-historie')).toEqual([
      'inline:1: unknown command endpoint-remediation-sla-escalation-recurrence-automation-historie'
    ]);
    // Continuations, quotes, ${x:+…} and a redirect are handled; an unknown variable is reported.
    const script = [
      'cavra release endpoint-remediation-sla-escalation-recurrence-automation \\',
      '  --metadata-json "$metadata_json" ${retry_policy:+--retry-policy "$retry_policy"} \\',
      '  --generated-by "$generated_by" --json >"$output/x.json"'
    ].join('\n');
    const [line] = extractCliLines('inline', script);
    expect(line?.words).toEqual([
      'cavra',
      'release',
      'endpoint-remediation-sla-escalation-recurrence-automation',
      '--metadata-json',
      '/var/lib/cavra/evidence/metadata.json',
      '--retry-policy',
      '/etc/cavra/retry-policy.json',
      '--generated-by',
      'kubernetes:cronjob/cavra-recurrence-automation',
      '--json'
    ]);
    expect(() => extractCliLines('inline', 'cavra release endpoint-remediation-sla-escalation-recurrence-automation --now "$WHEN"')).toThrow(/\$WHEN/);
    // Prose placeholders are not command lines.
    expect(extractCliLines('inline', '`cavra release <command>` and `cavra release …`')).toEqual([]);
  });
});
