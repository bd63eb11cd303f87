import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { byNewest, compareText, createdAtOf, isObject, kindOf, type EvidenceRecord, type JsonObject } from '../domain/records.js';
import type { Instant } from '../domain/time.js';
import { NO_LIMIT, StoreError, type EvidenceStore } from './evidence-store.js';
import { acquireLock } from './file-lock.js';
import { errorCode } from '../error-text.js';

// `metadata.json`: the seed's `{"items": [...]}`, sorted by session_id. A missing or empty file,
// `[]` and `{"items": []}` read as empty; writes go to a synced temp file renamed over the old one.

export class JsonEvidenceStore implements EvidenceStore {
  readonly paths: readonly string[];
  readonly path: string;
  #items: Map<string, JsonObject> | undefined;
  /** The file as it was read, to notice another writer's batch before writing over it. */
  #readVersion = '';

  constructor(path: string) {
    this.path = path;
    this.paths = [path];
  }

  #load(): Map<string, JsonObject> {
    if (this.#items) return this.#items;
    const version = fileVersion(this.path);
    const items = new Map<string, JsonObject>();
    for (const record of readItems(this.path)) items.set(record.session_id as string, record);
    this.#items = items;
    this.#readVersion = version;
    return items;
  }

  recordsSince(kinds: readonly string[], since: Instant, until: Instant = NO_LIMIT): JsonObject[] {
    const wanted = new Set(kinds);
    const found: JsonObject[] = [];
    for (const record of this.#load().values()) {
      if (!wanted.has(kindOf(record))) continue;
      const at = createdAtOf(record);
      if (at !== undefined && at >= since && at <= until) found.push(record);
    }
    return found.sort(byNewest);
  }

  #upTo(kind: string, until: Instant): JsonObject[] {
    return [...this.#load().values()].filter((record) => kindOf(record) === kind && (createdAtOf(record) ?? -Infinity) <= until);
  }

  *newestFirst(kind: string, until: Instant = NO_LIMIT): Iterable<JsonObject> {
    yield* this.#upTo(kind, until).sort(byNewest);
  }

  newestOfKind(kind: string, until: Instant = NO_LIMIT): JsonObject | undefined {
    let newest: JsonObject | undefined;
    for (const record of this.#upTo(kind, until)) if (!newest || byNewest(record, newest) < 0) newest = record;
    return newest;
  }

  allRecords(): JsonObject[] {
    return [...this.#load().values()];
  }

  countSince(kind: string, since: Instant, until: Instant = NO_LIMIT): number {
    return this.recordsSince([kind], since, until).length;
  }

  recordById(sessionId: string): JsonObject | undefined {
    return this.#load().get(sessionId);
  }

  /**
   * Prepares the new file beside the old one under the write lock; `commit` renames it into place.
   * If another command wrote the file since it was read, the batch is applied to that newer file.
   */
  prepare(records: readonly EvidenceRecord[]): { commit(): void; abort(): void } {
    this.#load();
    mkdirSync(dirname(this.path), { recursive: true });
    const release = acquireLock(`${this.path}.lock`, this.path);
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    let items: Map<string, JsonObject>;
    try {
      if (fileVersion(this.path) !== this.#readVersion) this.#items = undefined;
      items = new Map(this.#load());
      for (const record of records) items.set(record.session_id, record);
      const sorted = [...items.values()].sort((a, b) => compareText(a.session_id as string, b.session_id as string));
      writeSynced(temp, serialise(sorted));
    } catch (error) {
      rmSync(temp, { force: true });
      release();
      throw error;
    }
    return {
      commit: () => {
        try {
          renameSync(temp, this.path);
          this.#items = items;
          this.#readVersion = fileVersion(this.path);
        } finally {
          release();
        }
      },
      abort: () => {
        rmSync(temp, { force: true });
        release();
      }
    };
  }

  write(records: readonly EvidenceRecord[]): void {
    if (records.length === 0) return;
    this.prepare(records).commit();
  }

  close(): void {
    this.#items = undefined;
  }
}

/** Size, change time and inode: enough to notice that another process replaced the file. */
function fileVersion(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return 'missing';
  }
}


function readItems(path: string): JsonObject[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new StoreError(`${path}: cannot read the metadata file (${errorCode(error)})`);
  }
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StoreError(`${path}: invalid JSON (${(error as Error).message})`);
  }
  const items = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.items) ? parsed.items : undefined;
  if (!items) throw new StoreError(`${path}: expected {"items": [...]} or a JSON array of metadata records`);
  items.forEach((item, index) => {
    if (!isObject(item)) throw new StoreError(`${path}: items[${index}] is not an object`);
    if (typeof item.session_id !== 'string' || item.session_id === '') {
      throw new StoreError(`${path}: items[${index}] has no session_id`);
    }
  });
  return items as JsonObject[];
}

/** One record per line keeps the file diffable, and lets it be written a piece at a time. */
function* serialise(items: readonly JsonObject[]): Generator<string> {
  if (items.length === 0) {
    yield '{"items": []}\n';
    return;
  }
  yield '{"items": [\n';
  for (let index = 0; index < items.length; index++) yield `${JSON.stringify(items[index])}${index + 1 < items.length ? ',' : ''}\n`;
  yield ']}\n';
}

function writeSynced(path: string, parts: Iterable<string>): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    let buffer = '';
    for (const part of parts) {
      buffer += part;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    if (buffer) writeSync(fd, buffer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
