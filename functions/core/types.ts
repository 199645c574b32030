/** Contracts shared by the decision core, the CLI and the Lambda functions. Pure data, no behaviour. */

export type PrincipalType = 'user' | 'role' | 'group';

export interface Principal {
  readonly type: PrincipalType;
  readonly name: string;
}

export const ATTACH_EVENT_NAMES = ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'] as const;
export type AttachEventName = (typeof ATTACH_EVENT_NAMES)[number];

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
}

export type Mode = 'alert' | 'remediate';
export type Scope = 'seed' | 'aws-iot';
export const SCOPES: readonly Scope[] = ['aws-iot', 'seed'];
export const MODES: readonly Mode[] = ['alert', 'remediate'];

export type Verdict = 'failed-attempt' | 'not-governed' | 'allowed' | 'violation';

export interface Decision {
  readonly verdict: Verdict;
  /** What a violation gets; null for every other verdict. */
  readonly action: Mode | null;
  /** Index of the matching allowlist entry (allowed), or null. */
  readonly rule: number | null;
  readonly reason: string;
}
