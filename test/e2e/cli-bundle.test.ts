import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/records.js';

// The installed `cavra` command: bin/cavra.js and the CLI bundle, copied where no node_modules is.

function install(): string {
  const root = join(tempDir('cavra-install-'), 'cavra');
  mkdirSync(root);
  cpSync('dist', join(root, 'dist'), { recursive: true });
  cpSync('bin', join(root, 'bin'), { recursive: true });
  cpSync('package.json', join(root, 'package.json'));
  return root;
}

function cavra(root: string, cwd: string, args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'cavra.js'), ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
}

describe('the installed cavra command', () => {
  test("runs the seed's templates' sequence in a fresh folder: seeded [] store, worker pass, dashboard, health", () => {
    const root = install();
    const work = tempDir('cavra-host-');
    mkdirSync(join(work, '.cavra/evidence'), { recursive: true });
    writeFileSync(join(work, '.cavra/evidence/metadata.json'), '[]');
    const stores = ['--metadata-json', '.cavra/evidence/metadata.json', '--sqlite', '.cavra/evidence/metadata.db'];

    const pass = cavra(root, work, [
      'release',
      'endpoint-remediation-sla-escalation-recurrence-automation',
      ...stores,
      '--schedule-interval-minutes',
      '30',
      '--dry-run',
      '--json',
      '--now',
      '2026-12-01T09:10:00Z'
    ]);
    expect([pass.status, pass.stderr]).toEqual([0, '']);
    const result = JSON.parse(pass.stdout);
    expect(result.indexed_metadata_stores).toEqual(['.cavra/evidence/metadata.db', '.cavra/evidence/metadata.json']);
    expect(JSON.parse(readFileSync(join(work, '.cavra/evidence/metadata.json'), 'utf8')).items.map((r: { metadata_kind: string }) => r.metadata_kind).sort()).toEqual([
      'endpoint-remediation-sla-escalation-recurrence-automation-run',
      'endpoint-remediation-sla-escalation-recurrence-retry-plan',
      'endpoint-remediation-sla-escalation-suppression-trend'
    ]);

    const dashboard = cavra(root, work, ['release', 'endpoint-remediation-sla-escalation-recurrence-automation-dashboard', ...stores, '--now', '2026-12-01T09:11:00Z']);
    expect(dashboard.stdout.split('\n')[0]).toBe('Recurrence automation dashboard (last 168 h): HEALTHY, because no run planned retries, digests or suppressions');

    const health = cavra(root, work, [
      'release',
      'endpoint-remediation-sla-escalation-recurrence-automation-health',
      ...stores,
      '--expected-interval-minutes',
      '30',
      '--stale-metadata-minutes',
      '120',
      '--now',
      '2026-12-01T09:20:00Z'
    ]);
    expect(health.status).toBe(0);
    expect(health.stdout.split('\n').slice(0, 2)).toEqual([
      'Recurrence automation health: WARNING',
      `  latest run   ${result.run.run_id} at 2026-12-01T09:10:00+00:00 (10 min ago, succeeded)`
    ]);
    expect(health.stdout).toContain('  - [warning] stale_metadata: No recurrence plan evidence has been recorded.');
  });

  test('the default SQLite store is created under the working directory, and --help exits 0', () => {
    const root = install();
    const work = tempDir('cavra-host-');
    const run = cavra(root, work, ['release', 'endpoint-remediation-sla-escalation-recurrence-automation', '--now', '2026-12-01T09:10:00Z']);
    expect(run.status).toBe(0);
    expect(existsSync(join(work, '.cavra/evidence/metadata.db'))).toBe(true);
    const help = cavra(root, work, ['release', 'endpoint-remediation-sla-escalation-recurrence-automation-health', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--expected-interval-minutes <n>');
  });
});

describe('a platform without a prebuilt SQLite binary', () => {
  test('says so in one line, and the JSON store alone still works', () => {
    const root = install();
    rmSync(join(root, 'dist', 'prebuilds', `${process.platform}-${process.arch}.node`));
    const work = tempDir('cavra-host-');
    const withSqlite = cavra(root, work, ['release', 'endpoint-remediation-sla-escalation-recurrence-automation-health', '--now', '2026-12-01T09:10:00Z']);
    expect(withSqlite.status).toBe(1);
    expect(withSqlite.stderr).toBe(
      `cavra: .cavra/evidence/metadata.db: cannot open the SQLite store (SQLite is not available on ${process.platform}-${process.arch}: better-sqlite3 ships no prebuilt binary for this platform. Use --metadata-json only (with --sqlite ''), or run on Linux, macOS or Windows (x64 or arm64).)\n`
    );
    const jsonOnly = cavra(root, work, ['release', 'endpoint-remediation-sla-escalation-recurrence-automation', '--metadata-json', 'm.json', '--sqlite', '', '--now', '2026-12-01T09:10:00Z']);
    expect([jsonOnly.status, jsonOnly.stderr]).toEqual([0, '']);
    expect(existsSync(join(work, 'm.json'))).toBe(true);
  });
});

describe('commands writing one JSON store at once', () => {
  test('take turns: four passes started together keep four run records', async () => {
    const { spawn } = await import('node:child_process');
    const root = install();
    const work = tempDir('cavra-host-');
    const passes = [1, 2, 3, 4].map(
      (hour) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            [join(root, 'bin', 'cavra.js'), 'release', 'endpoint-remediation-sla-escalation-recurrence-automation', '--metadata-json', 'm.json', '--sqlite', '', '--now', `2026-12-01T1${hour}:05:00Z`],
            { cwd: work, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' }
          );
          child.on('close', resolve);
        })
    );
    expect(await Promise.all(passes)).toEqual([0, 0, 0, 0]);
    const items = JSON.parse(readFileSync(join(work, 'm.json'), 'utf8')).items as { metadata_kind: string }[];
    expect(items.filter((r) => r.metadata_kind === 'endpoint-remediation-sla-escalation-recurrence-automation-run')).toHaveLength(4);
    expect(existsSync(join(work, 'm.json.lock'))).toBe(false);
  });
});
