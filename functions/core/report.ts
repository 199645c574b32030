/** The per-event record that `evaluate --json` (and `audit --json`) print, one per line: a stable contract. */
import { parsePolicyArn, qualifiedName } from './arn.js';
import { describeActor } from './cloudtrail.js';
import type { AttachEvent, Decision, Mode, Principal, Verdict } from './types.js';

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
  /** Permission-set attachments only: the Identity Center instance, and the permission set's name when it was looked up. */
  readonly instanceArn?: string | null;
  readonly permissionSetName?: string | null;
}

/** Builds the report record of one decided event. */
export function toReportRecord(event: AttachEvent, decision: Decision): ReportRecord {
  return {
    eventId: event.eventId,
    eventTime: event.eventTime,
    eventName: event.eventName,
    account: event.account,
    region: event.region,
    actor: describeActor(event.actor),
    principal: event.principal,
    policyArn: event.policyArn,
    verdict: decision.verdict,
    action: decision.action,
    rule: decision.rule,
    reason: decision.reason,
    ...(event.principal?.type === 'permission-set' || event.instanceArn !== undefined ? { instanceArn: event.instanceArn ?? null } : {}),
    ...(event.permissionSetName === undefined ? {} : { permissionSetName: event.permissionSetName }),
  };
}

/** `service-role/AWSIoTLogging` for AWS managed policies, the ARN for anything else. */
export function displayPolicy(policyArn: string | null): string {
  const arn = parsePolicyArn(policyArn);
  return arn && arn.account === 'aws' ? qualifiedName(arn) : (policyArn ?? '-');
}
