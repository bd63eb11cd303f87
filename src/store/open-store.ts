import type { EvidenceRecord, JsonObject } from '../domain/records.js';
import { byNewest } from '../domain/records.js';
import type { Instant } from '../domain/time.js';
import type { EvidenceStore } from './evidence-store.js';
import { JsonEvidenceStore } from './json-store.js';
import { SqliteEvidenceStore } from './sqlite-store.js';

// Both stores given: read both and merge by session_id (the newer created_at wins, SQLite on a tie);
// write to both in one batch (the JSON temp file is renamed inside the SQLite transaction).

export interface StorePaths {
  metadataJson?: string | undefined;
  sqlite?: string | undefined;
}

export function openEvidenceStore(paths: StorePaths, now: Instant): EvidenceStore {
  const json = paths.metadataJson ? new JsonEvidenceStore(paths.metadataJson) : undefined;
  const sqlite = paths.sqlite ? new SqliteEvidenceStore(paths.sqlite, now) : undefined;
  if (json && sqlite) return new MergedEvidenceStore(sqlite, json);
  return sqlite ?? json ?? new MergedEvidenceStore(undefined, undefined);
}

class MergedEvidenceStore implements EvidenceStore {
  readonly paths: readonly string[];
  private readonly sqlite: SqliteEvidenceStore | undefined;
  private readonly json: JsonEvidenceStore | undefined;

  constructor(sqlite: SqliteEvidenceStore | undefined, json: JsonEvidenceStore | undefined) {
    this.sqlite = sqlite;
    this.json = json;
    this.paths = [...(json?.paths ?? []), ...(sqlite?.paths ?? [])];
  }

  recordsSince(kinds: readonly string[], since: Instant, until?: Instant): JsonObject[] {
    // JSON first: a malformed file is then reported before the SQLite file is even created.
    const fromJson = this.json?.recordsSince(kinds, since, until) ?? [];
    return mergeNewestFirst(this.sqlite?.recordsSince(kinds, since, until) ?? [], fromJson);
  }

  *newestFirst(kind: string, until?: Instant): Iterable<JsonObject> {
    const seen = new Set<string>();
    const a = (this.sqlite?.newestFirst(kind, until) ?? [])[Symbol.iterator]();
    const b = (this.json?.newestFirst(kind, until) ?? [])[Symbol.iterator]();
    let nextB = b.next(); // JSON first, as in recordsSince
    let nextA = a.next();
    try {
      while (!nextA.done || !nextB.done) {
        // SQLite first on a tie: `byNewest` <= 0 means A is at least as new as B.
        const takeA = nextB.done || (!nextA.done && byNewest(nextA.value, nextB.value) <= 0);
        const record = takeA ? nextA.value : nextB.value;
        if (takeA) nextA = a.next();
        else nextB = b.next();
        const id = record.session_id as string;
        if (seen.has(id)) continue;
        seen.add(id);
        yield record;
      }
    } finally {
      a.return?.();
      b.return?.();
    }
  }

  newestOfKind(kind: string, until?: Instant): JsonObject | undefined {
    const candidates = [this.sqlite?.newestOfKind(kind, until), this.json?.newestOfKind(kind, until)].filter((r): r is JsonObject => !!r);
    return candidates.sort(byNewest)[0];
  }

  allRecords(): JsonObject[] {
    return mergeNewestFirst(this.sqlite?.allRecords() ?? [], this.json?.allRecords() ?? []);
  }

  countSince(kind: string, since: Instant, until?: Instant): number {
    if (!this.sqlite || !this.json) return (this.json ?? this.sqlite)?.countSince(kind, since, until) ?? 0;
    return this.recordsSince([kind], since, until).length; // both stores: count the merged set
  }

  recordById(sessionId: string): JsonObject | undefined {
    const candidates = [this.sqlite?.recordById(sessionId), this.json?.recordById(sessionId)].filter((r): r is JsonObject => !!r);
    return candidates.sort(byNewest)[0];
  }

  write(records: readonly EvidenceRecord[]): void {
    if (records.length === 0) return;
    if (!this.sqlite) return this.json?.write(records);
    if (!this.json) return this.sqlite.write(records);
    const pending = this.json.prepare(records);
    try {
      this.sqlite.write(records, () => pending.commit());
    } catch (error) {
      pending.abort();
      throw error;
    }
  }

  close(): void {
    this.sqlite?.close();
    this.json?.close();
  }
}

/** Merges two newest-first lists, keeping the newer copy of each session_id (the first on a tie). */
function mergeNewestFirst(first: JsonObject[], second: JsonObject[]): JsonObject[] {
  const byId = new Map<string, JsonObject>();
  for (const record of [...first, ...second].sort(byNewest)) {
    const id = record.session_id as string;
    if (!byId.has(id)) byId.set(id, record);
  }
  return [...byId.values()];
}
