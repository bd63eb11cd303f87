import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// better-sqlite3 finds its binary with `__dirname`, which an ESM bundle does not have. The build
// copies the package's prebuilt binaries into dist/prebuilds; load the one for this platform and
// hand it to the driver. Run from source, the package finds its own.

export type SqliteDatabase = Database.Database;

let addon: object | undefined;

function prebuildName(): string {
  const musl = process.platform === 'linux' && isMusl();
  return `${musl ? 'linuxmusl' : process.platform}-${process.arch}`;
}

function isMusl(): boolean {
  try {
    return /\/ld-musl-[^/\s]*\.so/.test(readFileSync('/proc/self/maps', 'latin1'));
  } catch {
    return false;
  }
}

function bundledAddon(): object | undefined {
  if (addon) return addon;
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [join(here, 'prebuilds'), join(here, '..', 'prebuilds')];
  if (!dirs.some((dir) => existsSync(dir))) return undefined; // running from source: the package loads itself
  const name = prebuildName();
  const file = dirs.map((dir) => join(dir, `${name}.node`)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new Error(
      `SQLite is not available on ${name}: better-sqlite3 ships no prebuilt binary for this platform. ` +
        "Use --metadata-json only (with --sqlite ''), or run on Linux, macOS or Windows (x64 or arm64)."
    );
  }
  addon = createRequire(import.meta.url)(file) as object;
  return addon;
}

export function openDatabase(path: string): SqliteDatabase {
  const nativeBinding = bundledAddon();
  // The typings only know the path form; the driver also takes a loaded addon.
  return nativeBinding ? new Database(path, { nativeBinding: nativeBinding as unknown as string }) : new Database(path);
}
