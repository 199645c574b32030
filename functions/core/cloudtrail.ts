/**
 * Reads attach-policy calls out of CloudTrail data in every form users have it: an EventBridge envelope, a bare
 * record, a CloudTrail log file (`{"Records": [...]}`), `aws cloudtrail lookup-events` output. Real events are messy
 * (null or "None" responseElements, string booleans, redacted placeholders, eventVersion 1.0 to 1.11): nothing here
 * throws on any JSON value, and nothing that is not a well-formed attach call becomes an AttachEvent.
 */
import { parsePolicyArn } from './arn.js';
import { governedPolicyNamedBy } from './catalog.js';
import { instanceIdOf, parsePermissionSetArn, SSO_EVENT_SOURCE } from './identity-center.js';
import {
  ATTACH_EVENT_NAMES,
  PERMISSION_SET_ATTACH_EVENT,
  type Actor,
  type AttachEvent,
  type PrincipalType,
} from './types.js';

export const IAM_EVENT_SOURCE = 'iam.amazonaws.com';

type IamAttachEventName = (typeof ATTACH_EVENT_NAMES)[number];

const PRINCIPAL_OF: Record<IamAttachEventName, { type: PrincipalType; field: string }> = {
  AttachUserPolicy: { type: 'user', field: 'userName' },
  AttachRolePolicy: { type: 'role', field: 'roleName' },
  AttachGroupPolicy: { type: 'group', field: 'groupName' },
};
// What IAM accepts as a user, role or group name; anything else in a successful call is not a real IAM event.
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
const MAX_FIELD = 2048;

export type RecordResult =
  | { readonly kind: 'attach'; readonly event: AttachEvent }
  /**
   * A successful attach call we cannot act on safely: reported, never decided. `event` holds what could be read
   * (principal null when it is not a valid one), for the alert that says so.
   */
  | {
      readonly kind: 'malformed';
      readonly eventId: string | null;
      readonly problem: string;
      readonly event: AttachEvent;
    }
  | { readonly kind: 'other' };

/** A CloudTrail record found inside a document, with the envelope's account when it came in one. */
export interface FoundRecord {
  readonly record: unknown;
  readonly envelopeAccount: string | null;
}

export type DocumentItem = FoundRecord | { readonly problem: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, MAX_FIELD) : null);
// Some exporters write a null as the string "None" (Python) or "null".
const NULLISH = new Set(['None', 'null']);
const present = (v: unknown): string | null => {
  const t = text(v);
  return t === null || NULLISH.has(t) ? null : t;
};

/**
 * The CloudTrail records in one JSON document, whatever its form. Yields nothing for a document that is none of
 * the known forms (the caller counts it as unrecognised), and a `problem` for an entry that cannot be read.
 */
export function* recordsIn(doc: unknown, depth = 0): Generator<DocumentItem> {
  if (Array.isArray(doc)) {
    // `jq '.Records'`, `jq '.Events'` or `lookup-events --query 'Events[].CloudTrailEvent'`: a list of any of the
    // forms.
    if (depth > 0) return;
    for (const element of doc) {
      if (typeof element !== 'string') {
        yield* recordsIn(element, depth + 1);
        continue;
      }
      try {
        yield* recordsIn(JSON.parse(element) as unknown, depth + 1);
      } catch {
        yield { problem: 'list entry is a string that is not a JSON CloudTrail event' };
      }
    }
    return;
  }
  if (!isObject(doc)) return;
  if (Array.isArray(doc.Records)) {
    for (const record of doc.Records) yield { record, envelopeAccount: null };
  } else if (Array.isArray(doc.Events)) {
    for (const entry of doc.Events) {
      const embedded = isObject(entry) ? entry.CloudTrailEvent : undefined;
      if (typeof embedded !== 'string') {
        yield { problem: 'lookup-events entry without a CloudTrailEvent string' };
        continue;
      }
      try {
        yield { record: JSON.parse(embedded) as unknown, envelopeAccount: null };
      } catch {
        yield {
          problem:
            `lookup-events entry ${text(isObject(entry) ? entry.EventId : null) ?? '?'}: CloudTrailEvent is ` +
            `not JSON`,
        };
      }
    }
  } else if ('detail-type' in doc && isObject(doc.detail)) {
    yield { record: doc.detail, envelopeAccount: text(doc.account) };
  } else if ('eventName' in doc || 'eventSource' in doc) {
    yield { record: doc, envelopeAccount: null };
  }
}

/** Deeper than any list of CloudTrail data nests (a list of records, envelopes or strings is one level). */
export const MAX_NESTING = 64;

/**
 * True when lists in the document nest deeper than `max` levels: a `[[[…]]]` bomb, which JSON.parse takes and which
 * would overflow the stack of code that walks lists. Only lists are followed (iteratively), because the reader walks
 * only lists; it reads a record's fields by name and never descends into their values, so a deep value inside a record
 * costs nothing, and checking it would cost a walk of every record.
 */
export function nestsDeeperThan(doc: unknown, max: number = MAX_NESTING): boolean {
  const stack: { list: readonly unknown[]; depth: number }[] = Array.isArray(doc) ? [{ list: doc, depth: 1 }] : [];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > max) return true;
    for (const child of item.list) if (Array.isArray(child)) stack.push({ list: child, depth: item.depth + 1 });
  }
  return false;
}

/** True when the document is one of the forms recordsIn understands (a list counts when it holds one). */
export function isRecognisedDocument(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.length === 0 || doc.some((e) => typeof e === 'string' || isRecognisedDocument(e));
  if (!isObject(doc)) return false;
  return (
    Array.isArray(doc.Records) ||
    Array.isArray(doc.Events) ||
    ('detail-type' in doc && isObject(doc.detail)) ||
    'eventName' in doc ||
    'eventSource' in doc
  );
}

/** A CloudTrail digest file (CloudTrail-Digest/ beside the logs): no events, safe to skip. */
export function isDigestDocument(doc: unknown): boolean {
  return isObject(doc) && 'digestStartTime' in doc && 'digestEndTime' in doc;
}

/**
 * Classifies one CloudTrail record: an attach-policy call (IAM's Attach{User,Role,Group}Policy, or Identity Center's
 * AttachManagedPolicyToPermissionSet), a malformed one, or anything else.
 */
export function readAttachEvent(record: unknown, envelopeAccount: string | null = null): RecordResult {
  if (!isObject(record)) return { kind: 'other' };
  if (record.eventSource === SSO_EVENT_SOURCE && record.eventName === PERMISSION_SET_ATTACH_EVENT) {
    return readPermissionSetAttach(record, envelopeAccount);
  }
  if (record.eventSource !== IAM_EVENT_SOURCE) return { kind: 'other' };
  const eventName = record.eventName;
  if (typeof eventName !== 'string' || !(ATTACH_EVENT_NAMES as readonly string[]).includes(eventName)) {
    return { kind: 'other' };
  }
  const name = eventName as IamAttachEventName;
  const eventId = text(record.eventID);
  const errorCode = present(record.errorCode);
  const params = isObject(record.requestParameters) ? record.requestParameters : null;
  const { type, field } = PRINCIPAL_OF[name];
  const principalName = params ? text(params[field]) : null;
  const policyArn = params ? text(params.policyArn) : null;

  const principal = principalName !== null && IAM_NAME.test(principalName) ? { type, name: principalName } : null;
  const event = attachEventOf(record, envelopeAccount, { eventName: name, principal, policyArn, errorCode });
  if (errorCode !== null) return { kind: 'attach', event };
  const malformed = (problem: string): RecordResult => ({ kind: 'malformed', eventId, problem, event });
  // A successful call always names both; without them there is nothing we could safely act on.
  if (params === null) return malformed('requestParameters missing on a successful call');
  if (principalName === null) return malformed(`requestParameters.${field} missing`);
  if (!IAM_NAME.test(principalName))
    return malformed(`requestParameters.${field} ${quote(principalName)} is not a valid IAM name`);
  if (policyArn === null) return malformed('requestParameters.policyArn missing');
  return unreadablePolicy('policyArn', policyArn, malformed) ?? { kind: 'attach', event };
}

/** A policy ARN that does not parse but names an AWS IoT managed policy: the event cannot be read safely. */
function unreadablePolicy(
  field: string,
  policyArn: string,
  malformed: (problem: string) => RecordResult,
): RecordResult | null {
  if (parsePolicyArn(policyArn) !== null) return null;
  const named = governedPolicyNamedBy(policyArn);
  return named === null
    ? null
    : malformed(`requestParameters.${field} ${quote(policyArn)} is not a policy ARN, but it names ${named}`);
}

// Quoted, with invisible and control characters shown as escapes: `AWSIoT\u{200b}FullAccess`.
const INVISIBLE_OR_QUOTE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u2000-\u200a\u3000"\\]/gu;
const quote = (value: string): string =>
  `"${value.slice(0, 256).replace(INVISIBLE_OR_QUOTE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)}"`;

/**
 * AttachManagedPolicyToPermissionSet: the principal is the permission set, named by its ARN (CloudTrail does not
 * record its name). The event arrives in the Region where Identity Center is enabled, which is its `awsRegion`.
 */
function readPermissionSetAttach(record: Json, envelopeAccount: string | null): RecordResult {
  const eventId = text(record.eventID);
  const errorCode = present(record.errorCode);
  const params = isObject(record.requestParameters) ? record.requestParameters : null;
  const permissionSetArn = params ? text(params.permissionSetArn) : null;
  const instanceArn = params ? text(params.instanceArn) : null;
  const policyArn = params ? text(params.managedPolicyArn) : null;
  const permissionSet = parsePermissionSetArn(permissionSetArn);
  const instanceId = instanceIdOf(instanceArn);

  const event = attachEventOf(record, envelopeAccount, {
    eventName: PERMISSION_SET_ATTACH_EVENT,
    principal: permissionSet && permissionSetArn ? { type: 'permission-set', name: permissionSetArn } : null,
    policyArn,
    errorCode,
    instanceArn: instanceId === null ? null : instanceArn,
  });
  if (errorCode !== null) return { kind: 'attach', event };
  const malformed = (problem: string): RecordResult => ({ kind: 'malformed', eventId, problem, event });
  if (params === null) return malformed('requestParameters missing on a successful call');
  if (permissionSetArn === null) return malformed('requestParameters.permissionSetArn missing');
  if (!permissionSet) return malformed('requestParameters.permissionSetArn is not a permission set ARN');
  if (instanceArn === null) return malformed('requestParameters.instanceArn missing');
  if (instanceId === null) return malformed('requestParameters.instanceArn is not an Identity Center instance ARN');
  // Acting on a permission set through another instance than its own would fail anyway: refuse it as unreadable.
  if (instanceId !== permissionSet.instanceId)
    return malformed('requestParameters.permissionSetArn is not of requestParameters.instanceArn');
  if (policyArn === null) return malformed('requestParameters.managedPolicyArn missing');
  return unreadablePolicy('managedPolicyArn', policyArn, malformed) ?? { kind: 'attach', event };
}

/** The AttachEvent of a record: what every attach call carries, and the call's own `fields`. */
function attachEventOf(
  record: Json,
  envelopeAccount: string | null,
  fields: Pick<AttachEvent, 'eventName' | 'principal' | 'policyArn' | 'errorCode'> &
    Pick<Partial<AttachEvent>, 'instanceArn'>,
): AttachEvent {
  const { eventName, principal, policyArn, errorCode, instanceArn } = fields;
  return {
    eventId: text(record.eventID),
    eventTime: text(record.eventTime),
    eventName,
    account: text(record.recipientAccountId) ?? envelopeAccount,
    region: text(record.awsRegion),
    actor: readActor(record),
    principal,
    policyArn,
    errorCode,
    errorMessage: text(record.errorMessage),
    ...(instanceArn === undefined ? {} : { instanceArn }),
  };
}

function readActor(record: Json): Actor {
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const session = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const issuer = isObject(session.sessionIssuer) ? session.sessionIssuer : {};
  return {
    type: text(identity.type),
    arn: text(identity.arn),
    issuerArn: text(issuer.arn),
    invokedBy: text(identity.invokedBy),
    sourceIp: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
  };
}

/** The one-line name of who made the call, for tables and alerts. */
export function describeActor(actor: Actor): string {
  return actor.arn ?? actor.issuerArn ?? actor.invokedBy ?? actor.type ?? 'unknown';
}
