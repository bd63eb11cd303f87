import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers/records.js';

// The systemd units, checked by systemd itself: `systemd-analyze verify` exits 0 on most problems,
// so any output on stderr fails the test.
//
// The one change made to the copies it verifies: the installed script path
// /usr/local/bin/cavra-recurrence-run becomes this checkout's examples/scripts/cavra-recurrence-run.sh,
// the very file the operator guide installs there. verify checks that ExecStart/ExecStartPre
// binaries exist and are executable, and this machine has no installed copy; everything else
// (every directive, User=cavra, the paths, the hardening, the timer) is verified as written.
// verify does not resolve User= or the EnvironmentFile=, so no user or /etc/cavra is needed.

const DIR = 'examples/systemd';
const SERVICE = 'cavra-recurrence-automation.service';
const TIMER = 'cavra-recurrence-automation.timer';
const ENV_EXAMPLE = 'cavra-recurrence-automation.env.example';
const SCRIPT = resolve('examples/scripts/cavra-recurrence-run.sh');
const INSTALLED = '/usr/local/bin/cavra-recurrence-run';

function verify(files: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const dir = tempDir('cavra-systemd-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text.replaceAll(INSTALLED, SCRIPT));
  const result = spawnSync('systemd-analyze', ['verify', ...Object.keys(files).map((name) => join(dir, name))], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', SYSTEMD_LOG_COLOR: '0' }
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

/** `[Section]` → key → values (a key may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] = {};
      continue;
    }
    const [key, ...value] = line.split('=');
    (current[key!] ??= []).push(value.join('='));
  }
  return sections;
}

const serviceText = readFileSync(join(DIR, SERVICE), 'utf8');
const timerText = readFileSync(join(DIR, TIMER), 'utf8');
const envText = readFileSync(join(DIR, ENV_EXAMPLE), 'utf8');
const service = parseUnit(serviceText).Service!;
const timer = parseUnit(timerText);

describe('the systemd units', () => {
  test('systemd-analyze verify accepts the service and the timer without a word on stderr', () => {
    expect(statSync(SCRIPT).mode & 0o111).not.toBe(0);
    const result = verify({ [SERVICE]: serviceText, [TIMER]: timerText });
    expect(result).toEqual({ status: 0, stderr: '', stdout: '' });
  });

  test('verify does complain about a broken unit (the check is real)', () => {
    const broken = serviceText.replace('ProtectSystem=strict', 'ProtectSystem=very').replace('Type=oneshot', 'Type=oneshot\nRestrictSUIDSGUID=yes');
    const result = verify({ [SERVICE]: broken, [TIMER]: timerText });
    expect(result.stderr).toMatch(/ProtectSystem|protect system/i);
    expect(result.stderr).toMatch(/Unknown key.*RestrictSUIDSGUID/);
    // And a missing ExecStart binary, which is why the copies point at the script.
    expect(spawnSync('systemd-analyze', ['verify', join(DIR, SERVICE)], { encoding: 'utf8' }).stderr).toMatch(/cavra-recurrence-run is not executable/);
  });

  test('the environment example is valid systemd environment: every name accepted by systemd', () => {
    const assignments = envText.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    for (const line of assignments) expect(line).toMatch(/^[A-Z_][A-Z0-9_]*=\S*$/);
    const unit = ['[Service]', 'Type=oneshot', `ExecStart=${SCRIPT}`, ...assignments.map((a) => `Environment="${a}"`), ''].join('\n');
    expect(verify({ 'cavra-env-check.service': unit })).toEqual({ status: 0, stderr: '', stdout: '' });
    expect(verify({ 'cavra-env-check.service': unit.replace('Environment="CAVRA_RECURRENCE_EXECUTE', 'Environment="CAVRA-RECURRENCE-EXECUTE') }).stderr).toMatch(
      /Invalid environment assignment/
    );
  });

  test('the environment example is a dry run, and every CAVRA_ setting in it is one the script reads', () => {
    const env = Object.fromEntries(envText.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split(/=(.*)/s) as [string, string]));
    expect(env).toMatchObject({
      CAVRA_RECURRENCE_EXECUTE: 'false',
      CAVRA_RECURRENCE_PROVIDER: 'all',
      CAVRA_SCHEDULE_INTERVAL_MINUTES: '30',
      CAVRA_CONNECTOR_CONFIG: '/etc/cavra/connectors.json',
      CAVRA_GENERATED_BY: 'systemd:cavra-recurrence-automation'
    });
    const read = new Set([...readFileSync(SCRIPT, 'utf8').matchAll(/\$\{(CAVRA_\w+):-/g)].map((m) => m[1]));
    for (const name of Object.keys(env).filter((n) => n.startsWith('CAVRA_') && n !== 'CAVRA_CONNECTOR_WEBHOOK_URL')) expect(read).toContain(name);
    // Secrets are left empty in the example.
    for (const [name, value] of Object.entries(env)) if (/(TOKEN|_URL)$/.test(name)) expect([name, value]).toEqual([name, '']);
  });

  test('a oneshot pass as cavra, settings from the optional env file, state in /var/lib/cavra', () => {
    expect(service).toMatchObject({
      Type: ['oneshot'],
      User: ['cavra'],
      Group: ['cavra'],
      EnvironmentFile: ['-/etc/cavra/recurrence-automation.env'],
      StateDirectory: ['cavra'],
      WorkingDirectory: ['/var/lib/cavra'],
      ExecStartPre: [`${INSTALLED} prepare`],
      ExecStart: [INSTALLED]
    });
    expect(service.Environment).toContain('CAVRA_GENERATED_BY=systemd:cavra-recurrence-automation');
  });

  test('hardened: read-only system, writable state only, no privileges', () => {
    expect(service).toMatchObject({
      NoNewPrivileges: ['yes'],
      PrivateTmp: ['yes'],
      PrivateDevices: ['yes'],
      ProtectSystem: ['strict'],
      ProtectHome: ['yes'],
      ReadWritePaths: ['/var/lib/cavra'],
      ReadOnlyPaths: ['-/etc/cavra'],
      ProtectKernelTunables: ['yes'],
      ProtectKernelModules: ['yes'],
      ProtectControlGroups: ['yes'],
      RestrictSUIDSGID: ['yes'],
      RestrictNamespaces: ['yes'],
      LockPersonality: ['yes'],
      CapabilityBoundingSet: [''],
      SystemCallFilter: ['@system-service']
    });
    // Node's JIT needs writable executable memory.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
  });

  test('the timer fires twice an hour off the top of the hour, catches up after downtime, and starts the service', () => {
    expect(timer.Timer).toEqual({
      OnCalendar: ['*-*-* *:07/30:00'],
      AccuracySec: ['1min'],
      Persistent: ['true'],
      Unit: [SERVICE]
    });
    expect(timer.Install).toEqual({ WantedBy: ['timers.target'] });
    const calendar = spawnSync('systemd-analyze', ['calendar', '--iterations=3', timer.Timer!.OnCalendar![0]!], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', TZ: 'UTC' } });
    expect(calendar.stderr).toBe('');
    const elapses = [...calendar.stdout.matchAll(/(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+) UTC/g)].map((m) => Date.parse(`${m[1]!.replace(' ', 'T')}Z`));
    expect(elapses).toHaveLength(3);
    expect(elapses.map((t) => new Date(t).getUTCMinutes() % 30)).toEqual([7, 7, 7]);
    expect([elapses[1]! - elapses[0]!, elapses[2]! - elapses[1]!]).toEqual([30 * 60_000, 30 * 60_000]);
  });
});
