/**
 * IAM Identity Center names, parsed rather than compared as text: permission set and instance ARNs, and the IAM roles
 * Identity Center provisions from a permission set into every account it is assigned to.
 */

/** CloudTrail's eventSource for the Identity Center (SSO admin) API. */
export const SSO_EVENT_SOURCE = 'sso.amazonaws.com';

// arn:PARTITION:sso:::permissionSet/ssoins-ID/ps-ID. Permission sets and instances are global to the partition: no
// Region, no account.
const PERMISSION_SET_ARN =
  /^arn:([a-z-]{1,20}):sso:::permissionSet\/((?:sso)?ins-[A-Za-z0-9.-]{1,64})\/(ps-[A-Za-z0-9.-]{1,64})$/;
const INSTANCE_ARN = /^arn:([a-z-]{1,20}):sso:::instance\/((?:sso)?ins-[A-Za-z0-9.-]{1,64})$/;
// AWSReservedSSO_<permission set name>_<16 hex digits>; the name itself may contain underscores.
const RESERVED_ROLE = /^AWSReservedSSO_([\w+=,.@-]{1,32})_[0-9a-f]{16}$/;

export interface PermissionSetArn {
  readonly partition: string;
  /** `ssoins-…`, the id of the Identity Center instance the permission set belongs to. */
  readonly instanceId: string;
  /** `ps-…` */
  readonly id: string;
}

/** Parses a permission set ARN; null for anything that is not exactly one. */
export function parsePermissionSetArn(text: unknown): PermissionSetArn | null {
  if (typeof text !== 'string') return null;
  const m = PERMISSION_SET_ARN.exec(text);
  if (!m) return null;
  const [, partition, instanceId, id] = m as unknown as [string, string, string, string];
  return { partition, instanceId, id };
}

/** The instance id (`ssoins-…`) of an Identity Center instance ARN; null for anything else. */
export function instanceIdOf(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  return INSTANCE_ARN.exec(text)?.[2] ?? null;
}

/**
 * The permission set an Identity Center role was provisioned from, from the role's name
 * (`AWSReservedSSO_IoTOperators_0123456789abcdef` → `IoTOperators`); null for any other role name. IAM refuses to
 * change such roles (UnmodifiableEntity): the policy has to come off the permission set.
 */
export function permissionSetOfReservedRole(roleName: string): string | null {
  return RESERVED_ROLE.exec(roleName)?.[1] ?? null;
}

/** `permission-set/NAME` when the name is known, else `permission-set/ps-…`: short enough for tables and subjects. */
export function permissionSetLabel(permissionSetArn: string, name: string | null | undefined): string {
  return `permission-set/${name ?? parsePermissionSetArn(permissionSetArn)?.id ?? permissionSetArn}`;
}
