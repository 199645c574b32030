/** Contracts shared by the decision core, the CLI and the Lambda functions. Pure data, no behaviour. */

/** An IAM user, role or group, or an IAM Identity Center permission set (named by its ARN). */
export type PrincipalType = 'user' | 'role' | 'group' | 'permission-set';

export interface Principal {
  readonly type: PrincipalType;
  readonly name: string;
}

export const ATTACH_EVENT_NAMES = ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'] as const;
/** IAM Identity Center's call (event source sso.amazonaws.com) that adds an AWS managed policy to a permission set. */
export const PERMISSION_SET_ATTACH_EVENT = 'AttachManagedPolicyToPermissionSet';
export type AttachEventName = (typeof ATTACH_EVENT_NAMES)[number] | typeof PERMISSION_SET_ATTACH_EVENT;

/** Who made the call, as CloudTrail recorded it. Every field may be absent in real events. */
export interface Actor {
  readonly type: string | null;
  readonly arn: string | null;
  /** `userIdentity.sessionContext.sessionIssuer.arn`: the role behind an assumed-role session. */
  readonly issuerArn: string | null;
  readonly invokedBy: string | null;
  readonly sourceIp: string | null;
  readonly userAgent: string | null;
}

/** One attach-policy call, normalised from whatever form CloudTrail handed it over in. */
export interface AttachEvent {
  readonly eventId: string | null;
  readonly eventTime: string | null;
  readonly eventName: AttachEventName;
  readonly account: string | null;
  readonly region: string | null;
  readonly actor: Actor;
  /** null only for failed calls, whose `requestParameters` CloudTrail records as null. */
  readonly principal: Principal | null;
  readonly policyArn: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** Permission-set events only: the IAM Identity Center instance (`requestParameters.instanceArn`). */
  readonly instanceArn?: string | null;
  /**
   * Permission-set events only: the permission set's name, which CloudTrail does not record. Absent: not looked up
   * (evaluate works offline); null: looked up, and the permission set no longer exists.
   */
  readonly permissionSetName?: string | null;
}

/** The attach call CloudTrail recorded: how attach-guard (and evaluate) learn of an attachment. */
export interface CloudTrailCall {
  readonly kind: 'event';
  readonly eventId: string | null;
  readonly eventTime: string | null;
  readonly eventName: AttachEventName;
  readonly actor: Actor;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** An attachment the scheduled sweep found in place: no call was seen, so who attached it, and when, is not known. */
export interface SweepFinding {
  readonly kind: 'sweep';
  /** When the sweep's run that found it started (ISO 8601). */
  readonly foundAt: string;
}

export type AttachmentSource = CloudTrailCall | SweepFinding;

/** Who holds which policy, where, and how the guard learned of it: what decide(), the plan and the alert work from. */
export interface Attachment
  extends Pick<AttachEvent, 'account' | 'region' | 'principal' | 'policyArn' | 'instanceArn' | 'permissionSetName'> {
  readonly source: AttachmentSource;
}

export type Mode = 'alert' | 'remediate';
export type Scope = 'seed' | 'aws-iot';
export const SCOPES: readonly Scope[] = ['aws-iot', 'seed'];

/**
 * `unresolved`: the verdict depends on a `permission-set/NAME` allowlist entry and the permission set's name is not
 * known (CloudTrail records only its ARN; evaluate cannot look it up offline). Never counted as allowed or as a
 * violation.
 */
export type Verdict = 'failed-attempt' | 'not-governed' | 'allowed' | 'violation' | 'unresolved';

export interface Decision {
  readonly verdict: Verdict;
  /** What a violation gets; null for every other verdict. */
  readonly action: Mode | null;
  /** Index of the matching allowlist entry (allowed), or null. */
  readonly rule: number | null;
  readonly reason: string;
}
