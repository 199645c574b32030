/**
 * From documents to attach calls: what `evaluate` does with every JSON document it reads, in the main thread for
 * stdin and Athena, and in a worker thread for each file (scan-file.ts). Decisions are made by the caller.
 */
import {
  isDigestDocument,
  isRecognisedDocument,
  MAX_NESTING,
  nestsDeeperThan,
  readAttachEvent,
  recordsIn,
} from '../core/cloudtrail.js';
import type { AttachEvent } from '../core/types.js';

export interface InputProblem {
  readonly source: string;
  readonly message: string;
}

/** What reading documents counts, apart from the decisions: kept per file by the workers, added up by the caller. */
export interface Tally {
  records: number;
  otherRecords: number;
  unrecognisedDocuments: number;
  digestFiles: number;
  readonly problems: InputProblem[];
}

export function emptyTally(): Tally {
  return { records: 0, otherRecords: 0, unrecognisedDocuments: 0, digestFiles: 0, problems: [] };
}

export function addTally(into: Tally, tally: Tally): void {
  into.records += tally.records;
  into.otherRecords += tally.otherRecords;
  into.unrecognisedDocuments += tally.unrecognisedDocuments;
  into.digestFiles += tally.digestFiles;
  into.problems.push(...tally.problems);
}

/** The attach calls in one document, counting everything else into `tally`. */
export function* attachEventsIn(doc: unknown, source: string, tally: Tally): Generator<AttachEvent> {
  if (nestsDeeperThan(doc)) {
    tally.unrecognisedDocuments++;
    tally.problems.push({ source, message: `nested deeper than ${MAX_NESTING} levels: not CloudTrail data` });
    return;
  }
  if (isDigestDocument(doc)) {
    tally.digestFiles++;
    return;
  }
  if (!isRecognisedDocument(doc)) {
    // Evaluating what is not CloudTrail would be a silent pass: say so, and fail the run.
    tally.unrecognisedDocuments++;
    tally.problems.push({
      source,
      message: 'not CloudTrail data (expected a log file, an EventBridge event, lookup-events output or a record)',
    });
    return;
  }
  for (const found of recordsIn(doc)) {
    if ('problem' in found) {
      tally.problems.push({ source, message: found.problem });
      continue;
    }
    const event = readRecord(found.record, found.envelopeAccount, source, tally);
    if (event) yield event;
  }
}

/** One CloudTrail record: its attach call, or null with the record counted as other or reported as malformed. */
export function readRecord(
  record: unknown,
  envelopeAccount: string | null,
  source: string,
  tally: Tally,
): AttachEvent | null {
  tally.records++;
  const result = readAttachEvent(record, envelopeAccount);
  if (result.kind === 'attach') return result.event;
  if (result.kind === 'other') tally.otherRecords++;
  else
    tally.problems.push({
      source,
      message: `attach event ${result.eventId ?? '(no eventID)'} cannot be evaluated: ${result.problem}`,
    });
  return null;
}
