/** Attachments from their two sources: an attach call read from CloudTrail, or a finding of the scheduled sweep. */
import type { Actor, AttachEvent, AttachEventName, Attachment, Principal, PrincipalType } from './types.js';

/** What alerts and reports say for the actor of an attachment the sweep found: nobody recorded who made it. */
export const FOUND_BY_SWEEP = 'found by sweep';

/** The attachment an attach call made (or tried to make), with the call as its source. */
export function attachmentOf(event: AttachEvent): Attachment {
  const { eventId, eventTime, eventName, actor, errorCode, errorMessage, ...where } = event;
  return { ...where, source: { kind: 'event', eventId, eventTime, eventName, actor, errorCode, errorMessage } };
}

/** An attachment the sweep found standing at `foundAt`: no event, no actor, no time of attaching. */
export function foundBySweep(
  where: Omit<Attachment, 'source'> & { readonly principal: Principal; readonly policyArn: string },
  foundAt: Date,
): Attachment {
  return { ...where, source: { kind: 'sweep', foundAt: foundAt.toISOString() } };
}

/** Who made the attach call; null for a sweep finding, where nobody knows. */
export function actorOf(attachment: Attachment): Actor | null {
  return attachment.source.kind === 'event' ? attachment.source.actor : null;
}

// The call that makes such an attachment: `audit --json` records keep evaluate's shape, where eventName is required.
const ATTACH_CALL: Record<PrincipalType, AttachEventName> = {
  user: 'AttachUserPolicy',
  role: 'AttachRolePolicy',
  group: 'AttachGroupPolicy',
  'permission-set': 'AttachManagedPolicyToPermissionSet',
};

/** The call that attaches a managed policy to this kind of principal. */
export function attachCallFor(principal: Principal): AttachEventName {
  return ATTACH_CALL[principal.type];
}
