import type { EvidenceRecord, JsonObject } from '../domain/records.js';
import type { Instant } from '../domain/time.js';

/**
 * An evidence metadata store. Reads are bounded by time or answered from an index, never by a
 * record count, so a pass costs the same however much older history the store holds.
 */
export interface EvidenceStore {
  /** The store files, for the `indexed_metadata_stores` output. */
  readonly paths: readonly string[];
  /** Records of these kinds created at or after `since`, newest first. */
  recordsSince(kinds: readonly string[], since: Instant): JsonObject[];
  /** Records of one kind, newest first, read lazily: stop early to read less. */
  newestFirst(kind: string): Iterable<JsonObject>;
  newestOfKind(kind: string): JsonObject | undefined;
  /** How many records of one kind were created at or after `since` (an index count). */
  countSince(kind: string, since: Instant): number;
  /** Every record, any kind: for merging one store into another, not for the worker's reads. */
  allRecords(): JsonObject[];
  /** One record by its session_id (a primary-key read). */
  recordById(sessionId: string): JsonObject | undefined;
  /** Writes every record in one batch: all of them land, or none. */
  write(records: readonly EvidenceRecord[]): void;
  close(): void;
}

/** A store file that is not what it should be; the message names the file. */
export class StoreError extends Error {
  override name = 'StoreError';
}
