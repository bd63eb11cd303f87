// Builds the two self-contained bundles that ship in dist/: the action (dist/index.js) and the CLI
// (dist/cli/index.js). better-sqlite3's prebuilt binaries go to dist/prebuilds, where
// src/store/sqlite-driver.ts looks for them, so neither bundle needs node_modules.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ncc = join(dirname(require.resolve('@vercel/ncc/package.json')), 'dist', 'ncc', 'cli.js');

rmSync('dist', { recursive: true, force: true });
for (const [entry, out] of [['src/index.ts', 'dist'], ['src/cli.ts', 'dist/cli']]) {
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', out, '--target', 'es2023', '--license', 'licenses.txt', '-q'], {
    stdio: 'inherit'
  });
}

// ncc copies assets it finds by static analysis; keep exactly one set of binaries, ours.
for (const dir of ['dist', 'dist/cli']) {
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.node') || name === 'prebuilds') rmSync(join(dir, name), { recursive: true, force: true });
  }
}
const prebuilds = join(dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds');
mkdirSync('dist/prebuilds', { recursive: true });
cpSync(prebuilds, 'dist/prebuilds', { recursive: true });
writeFileSync('dist/cli/package.json', '{"type":"module"}\n');
