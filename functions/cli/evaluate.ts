/** Replays CloudTrail documents through the decision core: the engine behind `iot-policy-guard evaluate`. */
import type { Allowlist } from '../core/allowlist.js';
import { decide } from '../core/decide.js';
import type { AttachEvent, Decision, Scope, Verdict } from '../core/types.js';
import { addTally, attachEventsIn, type InputProblem, type Tally } from './read-documents.js';
import type { SourceItem } from './sources.js';

export type { InputProblem } from './read-documents.js';

export interface Evaluated {
  readonly event: AttachEvent;
  readonly decision: Decision;
  readonly source: string;
}

export interface Summary extends Tally {
  files: number;
  bytes: number;
  filesSkipped: number;
  /** The paths of the files skipped (the first 20 are listed in the summary). */
  readonly skippedPaths: string[];
  records: number;
  attachEvents: number;
  otherRecords: number;
  unrecognisedDocuments: number;
  digestFiles: number;
  /** `evaluate --athena`: the query read instead of files. */
  query?: { readonly queryExecutionId: string; readonly bytesScanned: number; readonly pages: number };
  verdicts: Record<Verdict, number>;
  /** Unreadable files and lines, and attach calls too malformed to decide. */
  readonly problems: InputProblem[];
}

export function emptySummary(): Summary {
  return {
    files: 0,
    bytes: 0,
    filesSkipped: 0,
    skippedPaths: [],
    records: 0,
    attachEvents: 0,
    otherRecords: 0,
    unrecognisedDocuments: 0,
    digestFiles: 0,
    verdicts: { violation: 0, allowed: 0, 'not-governed': 0, 'failed-attempt': 0, unresolved: 0 },
    problems: [],
  };
}

export interface EvaluateOptions {
  readonly allowlist: Allowlist;
  readonly scope: Scope;
  readonly now: Date;
}

/** Decides every attach-policy call in the documents, counting everything else into `summary` as it goes. */
export async function* evaluateSources(
  items: AsyncIterable<SourceItem>,
  options: EvaluateOptions,
  summary: Summary,
): AsyncGenerator<Evaluated> {
  for await (const item of items) {
    switch (item.kind) {
      case 'file':
        summary.files++;
        summary.bytes += item.bytes;
        break;
      case 'skipped':
        summary.filesSkipped++;
        summary.skippedPaths.push(item.source);
        break;
      case 'error':
        summary.problems.push({ source: item.source, message: item.message });
        break;
      case 'query':
        summary.query = { queryExecutionId: item.queryExecutionId, bytesScanned: item.bytesScanned, pages: item.pages };
        break;
      case 'scanned':
        if (item.scan.file) {
          summary.files++;
          summary.bytes += item.scan.file.bytes;
        }
        addTally(summary, item.scan.tally);
        for (const found of item.scan.attach) yield decided(found.event, found.source, options, summary);
        break;
      case 'document':
        for (const event of attachEventsIn(item.doc, item.source, summary))
          yield decided(event, item.source, options, summary);
    }
  }
}

function decided(event: AttachEvent, source: string, options: EvaluateOptions, summary: Summary): Evaluated {
  summary.attachEvents++;
  const decision = decide(event, options.allowlist, { scope: options.scope, now: options.now });
  summary.verdicts[decision.verdict]++;
  return { event, decision, source };
}
