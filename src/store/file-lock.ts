import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { StoreError } from './evidence-store.js';
import { errorCode } from '../error-text.js';

// A lock file beside the JSON store, held only while a batch is written: two commands writing at
// once (a scheduled pass and an operator's acknowledgement) take turns instead of losing records.

const WAIT_MS = 10_000;
const STALE_MS = 60_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, waiting up to ten seconds for another holder; a dead or stale holder's lock is broken. */
export function acquireLock(path: string, storePath: string): () => void {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid} ${new Date().toISOString()}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`${storePath}: cannot take the write lock ${path} (${errorCode(error)})`);
      }
    }
    let holder = 0;
    let age = 0;
    try {
      holder = Number(readFileSync(path, 'utf8').split(' ')[0]);
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (!holder || !alive(holder) || age > STALE_MS) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new StoreError(`${storePath}: another cavra command (pid ${holder}) is writing this store; try again when it is done`);
    }
    Atomics.wait(pause, 0, 0, 50);
  }
}
