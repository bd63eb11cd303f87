import type { EvidenceRecord, JsonObject } from '../domain/records.js';
import type { Instant } from '../domain/time.js';

/**
 * An evidence metadata store. Reads are bounded by time or answered from an index, never by a
 * record count, so a pass costs the same however much older history the store holds.
 */
export interface EvidenceStore {
  /** The store files, for the `indexed_metadata_stores` output. */
  readonly paths: readonly string[];
  // `until` bounds every read by time too: a computation as of --now sees only what existed then,
  // so a replay is faithful and a record dated in the future hides nothing.

  /** Records of these kinds created from `since` to `until` (both included), newest first. */
  recordsSince(kinds: readonly string[], since: Instant, until?: Instant): JsonObject[];
  /** Records of one kind created up to `until`, newest first, read lazily: stop early to read less. */
  newestFirst(kind: string, until?: Instant): Iterable<JsonObject>;
  newestOfKind(kind: string, until?: Instant): JsonObject | undefined;
  /** How many records of one kind were created at or after `since` (an index count). */
  countSince(kind: string, since: Instant, until?: Instant): number;
  /** Every record, any kind: for merging one store into another, not for the worker's reads. */
  allRecords(): JsonObject[];
  /** One record by its session_id (a primary-key read). */
  recordById(sessionId: string): JsonObject | undefined;
  /** Writes every record in one batch: all of them land, or none. */
  write(records: readonly EvidenceRecord[]): void;
  close(): void;
}

/** The latest instant SQLite can compare against: "no upper bound". */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** A store file that is not what it should be; the message names the file. */
export class StoreError extends Error {
  override name = 'StoreError';
}
