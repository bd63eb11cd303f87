import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sortKeys } from '../domain/ids.js';
import { createdAtOf, kindOf, num, str, type EvidenceRecord, type JsonObject } from '../domain/records.js';
import { formatInstant, type Instant } from '../domain/time.js';
import { NO_LIMIT, StoreError, type EvidenceStore } from './evidence-store.js';
import { migrate } from './migrations.js';
import { openDatabase, type SqliteDatabase } from './sqlite-driver.js';

// CAVRA's `evidence_metadata` table plus `metadata_kind` and `created_at_us` columns (migration 002).

export class SqliteEvidenceStore implements EvidenceStore {
  readonly paths: readonly string[];
  readonly path: string;
  private readonly appliedAt: Instant;
  #db: SqliteDatabase | undefined;

  constructor(path: string, appliedAt: Instant) {
    this.path = path;
    this.appliedAt = appliedAt;
    this.paths = [path];
  }

  #open(): SqliteDatabase {
    if (this.#db) return this.#db;
    try {
      const created = !existsSync(this.path);
      if (created) mkdirSync(dirname(this.path), { recursive: true });
      const db = openDatabase(this.path);
      db.pragma('busy_timeout = 5000');
      migrate(db, formatInstant(this.appliedAt));
      this.#db = db;
      return db;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${this.path}: cannot open the SQLite store (${(error as Error).message})`);
    }
  }

  #rows(sql: string, ...params: unknown[]): JsonObject[] {
    const rows = this.#open().prepare(sql).all(...params) as { session_id: string; payload: string }[];
    return rows.map((row) => this.#parse(row));
  }

  #parse(row: { session_id: string; payload: string }): JsonObject {
    try {
      return JSON.parse(row.payload) as JsonObject;
    } catch {
      throw new StoreError(`${this.path}: record ${row.session_id} has an invalid JSON payload`);
    }
  }

  recordsSince(kinds: readonly string[], since: Instant, until: Instant = NO_LIMIT): JsonObject[] {
    if (kinds.length === 0) return [];
    return this.#rows(
      `SELECT session_id, payload FROM evidence_metadata
       WHERE metadata_kind IN (${kinds.map(() => '?').join(', ')}) AND created_at_us >= ? AND created_at_us <= ?
       ORDER BY created_at_us DESC, session_id ASC`,
      ...kinds,
      since,
      Math.min(until, NO_LIMIT)
    );
  }

  // A record whose creation time cannot be read (created_at_us NULL) has no place in time; it is
  // still listed last, as JSON lists it, so history shows it.
  *newestFirst(kind: string, until: Instant = NO_LIMIT): Iterable<JsonObject> {
    const statement = this.#open().prepare(
      'SELECT session_id, payload FROM evidence_metadata WHERE metadata_kind = ? AND (created_at_us <= ? OR created_at_us IS NULL) ORDER BY created_at_us DESC, session_id ASC'
    );
    for (const row of statement.iterate(kind, Math.min(until, NO_LIMIT)) as Iterable<{ session_id: string; payload: string }>) yield this.#parse(row);
  }

  newestOfKind(kind: string, until: Instant = NO_LIMIT): JsonObject | undefined {
    return this.#rows(
      'SELECT session_id, payload FROM evidence_metadata WHERE metadata_kind = ? AND (created_at_us <= ? OR created_at_us IS NULL) ORDER BY created_at_us DESC, session_id ASC LIMIT 1',
      kind,
      Math.min(until, NO_LIMIT)
    )[0];
  }

  allRecords(): JsonObject[] {
    return this.#rows('SELECT session_id, payload FROM evidence_metadata ORDER BY session_id');
  }

  countSince(kind: string, since: Instant, until: Instant = NO_LIMIT): number {
    const row = this.#open()
      .prepare('SELECT COUNT(*) AS n FROM evidence_metadata WHERE metadata_kind = ? AND created_at_us >= ? AND created_at_us <= ?')
      .get(kind, since, Math.min(until, NO_LIMIT)) as { n: number };
    return row.n;
  }

  recordById(sessionId: string): JsonObject | undefined {
    return this.#rows('SELECT session_id, payload FROM evidence_metadata WHERE session_id = ?', sessionId)[0];
  }

  /** Runs the batch inside `between` so a second store can commit or roll back with it. */
  write(records: readonly EvidenceRecord[], between?: () => void): void {
    const db = this.#open();
    const upsert = db.prepare(`
      INSERT INTO evidence_metadata
        (session_id, created_at, signer, decision_count, blocked_count, approval_required_count, payload, metadata_kind, created_at_us)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(session_id) DO UPDATE SET
        created_at = excluded.created_at, signer = excluded.signer, decision_count = excluded.decision_count,
        blocked_count = excluded.blocked_count, approval_required_count = excluded.approval_required_count,
        payload = excluded.payload, metadata_kind = excluded.metadata_kind, created_at_us = excluded.created_at_us`);
    db.transaction(() => {
      for (const record of records) {
        upsert.run(
          record.session_id,
          str(record.created_at) || null,
          str(record.signer) || null,
          Math.trunc(num(record.decision_count)),
          Math.trunc(num(record.blocked_count)),
          Math.trunc(num(record.approval_required_count)),
          JSON.stringify(sortKeys(record)),
          kindOf(record),
          createdAtOf(record) ?? null
        );
      }
      between?.();
    })();
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}
