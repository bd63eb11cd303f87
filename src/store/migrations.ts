import { parseInstant } from '../domain/time.js';
import type { SqliteDatabase } from './sqlite-driver.js';

// Versioned, idempotent schema migrations, tracked in CAVRA's own `schema_migrations` table, so a
// store CAVRA created is upgraded in place and one we created stays readable by CAVRA.

interface Migration {
  id: string;
  apply(db: SqliteDatabase): void;
}

const MIGRATIONS: Migration[] = [
  {
    id: '001_evidence_metadata',
    apply(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS evidence_metadata (
          session_id TEXT PRIMARY KEY,
          created_at TEXT,
          signer TEXT,
          decision_count INTEGER NOT NULL DEFAULT 0,
          blocked_count INTEGER NOT NULL DEFAULT 0,
          approval_required_count INTEGER NOT NULL DEFAULT 0,
          payload TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_evidence_metadata_created_at ON evidence_metadata(created_at);
        CREATE INDEX IF NOT EXISTS idx_evidence_metadata_signer ON evidence_metadata(signer);
        CREATE INDEX IF NOT EXISTS idx_evidence_metadata_blocked_count ON evidence_metadata(blocked_count);
      `);
    }
  },
  {
    // The kind, and the creation instant as an integer, so reads by kind and time use an index and
    // compare instants rather than strings.
    id: '002_metadata_kind_created_at_us',
    apply(db) {
      const columns = new Set((db.prepare('PRAGMA table_info(evidence_metadata)').all() as { name: string }[]).map((c) => c.name));
      if (!columns.has('metadata_kind')) db.exec('ALTER TABLE evidence_metadata ADD COLUMN metadata_kind TEXT');
      if (!columns.has('created_at_us')) db.exec('ALTER TABLE evidence_metadata ADD COLUMN created_at_us INTEGER');
      const rows = db
        .prepare(
          `SELECT session_id, created_at, json_extract(payload, '$.metadata_kind') AS kind
           FROM evidence_metadata WHERE metadata_kind IS NULL OR created_at_us IS NULL`
        )
        .all() as { session_id: string; created_at: string | null; kind: string | null }[];
      const update = db.prepare('UPDATE evidence_metadata SET metadata_kind = ?, created_at_us = ? WHERE session_id = ?');
      for (const row of rows) update.run(row.kind ?? '', parseInstant(row.created_at) ?? null, row.session_id);
      db.exec('CREATE INDEX IF NOT EXISTS idx_evidence_metadata_kind_created ON evidence_metadata(metadata_kind, created_at_us)');
    }
  }
];

export function migrate(db: SqliteDatabase, appliedAt: string): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT)');
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
  const ran: string[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      migration.apply(db);
      db.prepare('INSERT OR IGNORE INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, appliedAt);
    })();
    ran.push(migration.id);
  }
  return ran;
}

export const MIGRATION_IDS = MIGRATIONS.map((m) => m.id);
