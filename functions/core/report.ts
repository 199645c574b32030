/** The per-event record that `evaluate --json` (and `audit --json`) print, one per line: a stable contract. */
import { parsePolicyArn, qualifiedName } from './arn.js';
import { describeActor } from './cloudtrail.js';
import { attachCallFor, FOUND_BY_SWEEP } from './attachment.js';
import type { AttachEvent, Attachment, Decision, Mode, Principal, Verdict } from './types.js';

export interface ReportRecord {
  readonly eventId: string | null;
  readonly eventTime: string | null;
  readonly eventName: string;
  readonly account: string | null;
  readonly region: string | null;
  readonly actor: string;
  readonly principal: Principal | null;
  readonly policyArn: string | null;
  readonly verdict: Verdict;
  readonly action: Mode | null;
  readonly rule: number | null;
  readonly reason: string;
  /**
   * Permission-set attachments only: the Identity Center instance, and the permission set's name when it was looked up.
   */
  readonly instanceArn?: string | null;
  readonly permissionSetName?: string | null;
}

/**
 * Builds the report record of one decided event or attachment. A sweep finding has no event: no id, no time, and
 * `found by sweep` as its actor; its eventName is the call that makes such an attachment, which the record requires.
 */
export function toReportRecord(event: AttachEvent | Attachment, decision: Decision): ReportRecord {
  // An AttachEvent carries its call's fields itself (evaluate reports these by the million: no copy is made).
  const call = !('source' in event) ? event : event.source.kind === 'event' ? event.source : null;
  return {
    eventId: call?.eventId ?? null,
    eventTime: call?.eventTime ?? null,
    eventName: call?.eventName ?? (event.principal === null ? 'unknown' : attachCallFor(event.principal)),
    account: event.account,
    region: event.region,
    actor: call === null ? FOUND_BY_SWEEP : describeActor(call.actor),
    principal: event.principal,
    policyArn: event.policyArn,
    verdict: decision.verdict,
    action: decision.action,
    rule: decision.rule,
    reason: decision.reason,
    ...(event.principal?.type === 'permission-set' || event.instanceArn !== undefined
      ? { instanceArn: event.instanceArn ?? null }
      : {}),
    ...(event.permissionSetName === undefined ? {} : { permissionSetName: event.permissionSetName }),
  };
}

/** `service-role/AWSIoTLogging` for AWS managed policies, the ARN for anything else. */
export function displayPolicy(policyArn: string | null): string {
  const arn = parsePolicyArn(policyArn);
  return arn && arn.account === 'aws' ? qualifiedName(arn) : (policyArn ?? '-');
}
