import { createdAtOf, type EvidenceRecord } from '../domain/records.js';
import type { EvidenceStore } from '../store/evidence-store.js';

/**
 * Adds the records of `from` to `into` in one batch: a record `into` lacks, or a newer copy of one
 * it has. The action uses it for evidence indexed earlier in the job (by CAVRA steps) before the
 * worker's own state was restored over the workspace.
 */
export function mergeEvidence(from: EvidenceStore, into: EvidenceStore): number {
  const incoming = from.allRecords().filter((record) => {
    const known = into.recordById(String(record.session_id));
    return !known || (createdAtOf(record) ?? -Infinity) > (createdAtOf(known) ?? -Infinity);
  });
  into.write(incoming as EvidenceRecord[]);
  return incoming.length;
}
