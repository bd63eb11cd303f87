import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KIND, type EvidenceRecord } from '../../src/domain/records.js';
import { parseInstant } from '../../src/domain/time.js';
import { StoreError } from '../../src/store/evidence-store.js';
import { JsonEvidenceStore } from '../../src/store/json-store.js';
import { MIGRATION_IDS } from '../../src/store/migrations.js';
import { openEvidenceStore } from '../../src/store/open-store.js';
import { SqliteEvidenceStore } from '../../src/store/sqlite-store.js';
import { recurrenceDelivery, recurrencePlanRecord, route, tempDir } from '../helpers/records.js';

const NOW = parseInstant('2026-12-01T12:00:00Z')!;
const EPOCH = 0;

const plan = recurrencePlanRecord('erslaescrp-aaaaaaaaaaaaaaaa', '2026-12-01T10:00:00.123456+00:00', [
  route('payments', 'slack', 'deliver'),
  route('identity', 'jira', 'suppress', 'maximum recurrence count 3 reached')
]);
const delivery = recurrenceDelivery('rcd-erslaescrp-aaaaaaaaaaaaaaaa-0123456789ab', 'erslaescrp-aaaaaaaaaaaaaaaa', '2026-12-01T10:05:00+00:00', ['slack'], ['slack'], { slack: 500 });

describe('JSON store', () => {
  test('round-trips CAVRA-shaped records unchanged and writes the object form sorted by session_id', () => {
    const path = join(tempDir(), 'evidence', 'metadata.json');
    new JsonEvidenceStore(path).write([plan, delivery]);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(file)).toEqual(['items']);
    expect(file.items.map((r: EvidenceRecord) => r.session_id)).toEqual([plan.session_id, delivery.session_id].sort());
    const read = new JsonEvidenceStore(path).recordsSince([KIND.recurrencePlan, KIND.connectorDelivery], EPOCH);
    expect(read).toEqual([delivery, plan]); // newest first: 10:05 before 10:00
  });

  test.each([
    ['a missing file', undefined],
    ['an empty file', ''],
    ['a bare array (the seed templates seed it)', '[]'],
    ['an empty items object', '{"items": []}'],
    ['whitespace only', '  \n']
  ])('reads %s as empty, and writes the object form', (_, content) => {
    const path = join(tempDir(), 'metadata.json');
    if (content !== undefined) writeFileSync(path, content);
    const store = new JsonEvidenceStore(path);
    expect(store.recordsSince([KIND.recurrencePlan], EPOCH)).toEqual([]);
    store.write([plan]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ items: [plan] });
  });

  test('reads a bare array that holds records', () => {
    const path = join(tempDir(), 'metadata.json');
    writeFileSync(path, JSON.stringify([plan]));
    expect(new JsonEvidenceStore(path).newestOfKind(KIND.recurrencePlan)).toEqual(plan);
  });

  test.each([
    ['invalid JSON', '{"items": [', /metadata\.json: invalid JSON/],
    ['a wrong top-level shape', '{"records": []}', /metadata\.json: expected \{"items": \[\.\.\.\]\} or a JSON array/],
    ['items that are not objects', '{"items": [1]}', /metadata\.json: items\[0\] is not an object/],
    ['a record without session_id', '{"items": [{"metadata_kind": "x"}]}', /metadata\.json: items\[0\] has no session_id/]
  ])('rejects %s with an error that names the file, and leaves it untouched', (_, content, message) => {
    const path = join(tempDir(), 'metadata.json');
    writeFileSync(path, content);
    const store = new JsonEvidenceStore(path);
    expect(() => store.recordsSince([KIND.recurrencePlan], EPOCH)).toThrow(message);
    expect(() => store.write([plan])).toThrow(StoreError);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  test('a batch that fails while being written leaves the old file and no temp file', () => {
    const dir = tempDir();
    const path = join(dir, 'metadata.json');
    const store = new JsonEvidenceStore(path);
    store.write([plan]);
    const before = readFileSync(path, 'utf8');
    const poisoned = { ...delivery, attempt_count: 1n } as unknown as EvidenceRecord; // BigInt cannot be serialised
    expect(() => store.write([delivery, poisoned])).toThrow(/BigInt/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['metadata.json']);
  });
});

describe('SQLite store', () => {
  test('round-trips records, fills the kind and instant columns, and stores payloads with sorted keys', () => {
    const path = join(tempDir(), 'nested', 'metadata.db');
    const store = new SqliteEvidenceStore(path, NOW);
    store.write([plan, delivery]);
    store.close();
    const db = new Database(path);
    const row = db.prepare('SELECT * FROM evidence_metadata WHERE session_id = ?').get(plan.session_id) as Record<string, unknown>;
    expect(row.metadata_kind).toBe(KIND.recurrencePlan);
    expect(row.created_at).toBe('2026-12-01T10:00:00.123456+00:00');
    expect(row.created_at_us).toBe(parseInstant('2026-12-01T10:00:00.123456Z'));
    expect(row.decision_count).toBe(2);
    expect(row.blocked_count).toBe(1);
    expect(row.approval_required_count).toBe(1);
    expect(Object.keys(JSON.parse(row.payload as string))).toEqual(Object.keys(plan).sort());
    db.close();
    const reopened = new SqliteEvidenceStore(path, NOW);
    expect(reopened.recordsSince([KIND.recurrencePlan, KIND.connectorDelivery], EPOCH)).toEqual([delivery, plan]);
    reopened.close();
  });

  test('migrations are recorded once and applying them again changes nothing', () => {
    const path = join(tempDir(), 'metadata.db');
    new SqliteEvidenceStore(path, NOW).newestOfKind(KIND.automationRun);
    new SqliteEvidenceStore(path, NOW + 1).newestOfKind(KIND.automationRun);
    const db = new Database(path);
    const rows = db.prepare('SELECT id, applied_at FROM schema_migrations ORDER BY id').all();
    expect(rows).toEqual(MIGRATION_IDS.map((id) => ({ id, applied_at: '2026-12-01T12:00:00+00:00' })));
    db.close();
  });

  test('upgrades a store CAVRA created: its rows gain kind and instant and are read by kind and time', () => {
    const path = join(tempDir(), 'metadata.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE evidence_metadata (session_id TEXT PRIMARY KEY, created_at TEXT, signer TEXT,
      decision_count INTEGER NOT NULL, blocked_count INTEGER NOT NULL, approval_required_count INTEGER NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT);
      INSERT INTO schema_migrations VALUES ('001_evidence_metadata', '2026-01-01T00:00:00+00:00');`);
    db.prepare('INSERT INTO evidence_metadata VALUES (?, ?, ?, 2, 1, 1, ?)').run(plan.session_id, plan.created_at, 'release-manager', JSON.stringify(plan));
    db.close();
    const store = new SqliteEvidenceStore(path, NOW);
    expect(store.recordsSince([KIND.recurrencePlan], parseInstant('2026-12-01T10:00:00.123456Z')!)).toEqual([plan]);
    expect(store.recordsSince([KIND.recurrencePlan], parseInstant('2026-12-01T10:00:00.123457Z')!)).toEqual([]);
    store.close();
  });

  test('compares instants, not strings: Z, +00:00 and +02:00 sort by the moment they name', () => {
    const path = join(tempDir(), 'metadata.db');
    const store = new SqliteEvidenceStore(path, NOW);
    const a = recurrencePlanRecord('erslaescrp-a', '2026-12-01T11:30:00+02:00', []); // 09:30 UTC
    const b = recurrencePlanRecord('erslaescrp-b', '2026-12-01T10:00:00Z', []);
    const c = recurrencePlanRecord('erslaescrp-c', '2026-12-01T09:45:00.000001+00:00', []);
    store.write([a, b, c]);
    expect(store.recordsSince([KIND.recurrencePlan], EPOCH).map((r) => r.session_id)).toEqual(['erslaescrp-b', 'erslaescrp-c', 'erslaescrp-a']);
    expect(store.newestOfKind(KIND.recurrencePlan)?.session_id).toBe('erslaescrp-b');
    store.close();
  });

  test('a batch that fails part-way is rolled back whole', () => {
    const path = join(tempDir(), 'metadata.db');
    const store = new SqliteEvidenceStore(path, NOW);
    store.write([plan]);
    const poisoned = { ...delivery, attempt_count: 1n } as unknown as EvidenceRecord;
    expect(() => store.write([delivery, poisoned])).toThrow(/BigInt/);
    expect(store.recordsSince([KIND.recurrencePlan, KIND.connectorDelivery], EPOCH)).toEqual([plan]);
    store.close();
  });

  test('a file that is not a SQLite database is an error naming it', () => {
    const path = join(tempDir(), 'metadata.db');
    writeFileSync(path, 'not a database, just text that is long enough to have a header '.repeat(4));
    const store = new SqliteEvidenceStore(path, NOW);
    expect(() => store.newestOfKind(KIND.automationRun)).toThrow(/metadata\.db: cannot open the SQLite store \(file is not a database\)/);
  });
});

describe('both stores', () => {
  test('merge by session_id: the newer copy wins, SQLite wins a tie, and each store contributes its own records', () => {
    const dir = tempDir();
    const paths = { metadataJson: join(dir, 'metadata.json'), sqlite: join(dir, 'metadata.db') };
    const older = recurrencePlanRecord('erslaescrp-shared', '2026-12-01T09:00:00+00:00', [], { alert_level: 'older' });
    const newer = recurrencePlanRecord('erslaescrp-shared', '2026-12-01T09:30:00+00:00', [], { alert_level: 'newer' });
    const tieJson = recurrencePlanRecord('erslaescrp-tie', '2026-12-01T08:00:00Z', [], { alert_level: 'json' });
    const tieSqlite = recurrencePlanRecord('erslaescrp-tie', '2026-12-01T08:00:00+00:00', [], { alert_level: 'sqlite' });
    const onlyJson = recurrencePlanRecord('erslaescrp-json', '2026-12-01T07:00:00+00:00', []);
    new JsonEvidenceStore(paths.metadataJson).write([newer, tieJson, onlyJson]);
    const sqlite = new SqliteEvidenceStore(paths.sqlite, NOW);
    sqlite.write([older, tieSqlite]);
    sqlite.close();

    const store = openEvidenceStore(paths, NOW);
    const merged = store.recordsSince([KIND.recurrencePlan], EPOCH);
    expect(merged.map((r) => [r.session_id, r.alert_level])).toEqual([
      ['erslaescrp-shared', 'newer'],
      ['erslaescrp-tie', 'sqlite'],
      ['erslaescrp-json', 'healthy']
    ]);
    expect([...store.newestFirst(KIND.recurrencePlan)].map((r) => r.alert_level)).toEqual(['newer', 'sqlite', 'healthy']);
    expect(store.newestOfKind(KIND.recurrencePlan)?.alert_level).toBe('newer');
    expect(store.paths).toEqual([paths.metadataJson, paths.sqlite]);

    store.write([delivery]);
    store.close();
    expect(new JsonEvidenceStore(paths.metadataJson).newestOfKind(KIND.connectorDelivery)).toEqual(delivery);
    expect(new SqliteEvidenceStore(paths.sqlite, NOW).newestOfKind(KIND.connectorDelivery)).toEqual(delivery);
  });

  test('a batch that fails leaves both stores as they were', () => {
    const dir = tempDir();
    const paths = { metadataJson: join(dir, 'metadata.json'), sqlite: join(dir, 'metadata.db') };
    const store = openEvidenceStore(paths, NOW);
    store.write([plan]);
    const jsonBefore = readFileSync(paths.metadataJson, 'utf8');
    const poisoned = { ...delivery, attempt_count: 1n } as unknown as EvidenceRecord;
    expect(() => store.write([delivery, poisoned])).toThrow(/BigInt/);
    expect(readFileSync(paths.metadataJson, 'utf8')).toBe(jsonBefore);
    expect(store.recordsSince([KIND.connectorDelivery], EPOCH)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['metadata.db', 'metadata.json']);
    store.close();
  });

  test('a malformed JSON store is reported before the SQLite file is created', () => {
    const dir = tempDir();
    const paths = { metadataJson: join(dir, 'metadata.json'), sqlite: join(dir, 'metadata.db') };
    writeFileSync(paths.metadataJson, '{oops');
    const store = openEvidenceStore(paths, NOW);
    expect(() => store.recordsSince([KIND.recurrencePlan], EPOCH)).toThrow(/metadata\.json: invalid JSON/);
    expect(existsSync(paths.sqlite)).toBe(false);
  });

  test('reads are bounded by time: records older than the bound are not loaded', () => {
    const dir = tempDir();
    const store = openEvidenceStore({ metadataJson: join(dir, 'm.json'), sqlite: join(dir, 'm.db') }, NOW);
    const old = recurrencePlanRecord('erslaescrp-old', '2026-11-01T00:00:00+00:00', []);
    const recent = recurrencePlanRecord('erslaescrp-new', '2026-11-30T00:00:00+00:00', []);
    store.write([old, recent]);
    expect(store.recordsSince([KIND.recurrencePlan], parseInstant('2026-11-24T12:00:00Z')!).map((r) => r.session_id)).toEqual(['erslaescrp-new']);
    store.close();
  });
});

describe('reads as of an instant', () => {
  test('records created after `until` are not seen, in either store, so a replay sees the past as it was', () => {
    const dir = tempDir();
    for (const paths of [{ metadataJson: join(dir, 'm.json') }, { sqlite: join(dir, 'm.db') }]) {
      const store = openEvidenceStore(paths, NOW);
      const early = recurrencePlanRecord('erslaescrp-early', '2026-12-01T09:00:00+00:00', []);
      const late = recurrencePlanRecord('erslaescrp-late', '2026-12-01T12:00:00+00:00', []);
      store.write([early, late]);
      const until = parseInstant('2026-12-01T10:30:00Z')!;
      expect(store.recordsSince([KIND.recurrencePlan], EPOCH, until).map((r) => r.session_id)).toEqual(['erslaescrp-early']);
      expect([...store.newestFirst(KIND.recurrencePlan, until)].map((r) => r.session_id)).toEqual(['erslaescrp-early']);
      expect(store.newestOfKind(KIND.recurrencePlan, until)?.session_id).toBe('erslaescrp-early');
      expect(store.countSince(KIND.recurrencePlan, EPOCH, until)).toBe(1);
      expect(store.newestOfKind(KIND.recurrencePlan)?.session_id).toBe('erslaescrp-late');
      store.close();
    }
  });
});
