/**
 * The AWS CLI command that removes an attachment the guard left in place, for people to run. Every value is quoted
 * for a POSIX shell: principal names come from the event, and an event can carry any text.
 */
import { parsePolicyArn } from './arn.js';
import { instanceIdOf, parsePermissionSetArn } from './identity-center.js';
import type { Principal } from './types.js';

export interface CommandSubject {
  readonly principal: Principal;
  readonly policyArn: string;
  /** Permission sets: Identity Center's Region and instance. */
  readonly region: string | null;
  readonly instanceArn: string | null;
}

// Characters a shell never treats specially (as Python's shlex.quote): such words need no quotes.
const SHELL_SAFE = /^[\w@%+=:,./-]+$/;
// Control and format characters (line breaks, bidirectional overrides) would make the command people see differ from
// the one that runs: no command at all then. No real IAM or Identity Center name contains one.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Quotes a word for a POSIX shell: single quotes, each ' written as '\''. */
export function shellQuote(word: string): string {
  if (word !== '' && SHELL_SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `aws iam detach-{user,role,group}-policy …`, or for a permission set the sso-admin detach followed by provisioning
 * to every account it is provisioned to. null when a value the command needs is missing, is not what it should be
 * (a policy ARN, a permission set or instance ARN, a Region), or contains a character a terminal would not show.
 */
export function remediationCommand(subject: CommandSubject): string | null {
  const { principal, policyArn } = subject;
  if (parsePolicyArn(policyArn) === null || UNPRINTABLE.test(principal.name) || principal.name === '') return null;
  const policy = shellQuote(policyArn);
  if (principal.type !== 'permission-set') {
    return (
      `aws iam detach-${principal.type}-policy --${principal.type}-name ${shellQuote(principal.name)} ` +
      `--policy-arn ${policy}`
    );
  }
  const { instanceArn, region } = subject;
  if (
    parsePermissionSetArn(principal.name) === null ||
    instanceIdOf(instanceArn) === null ||
    region === null ||
    !REGION.test(region)
  )
    return null;
  const common =
    `--instance-arn ${shellQuote(instanceArn!)} --permission-set-arn ${shellQuote(principal.name)} ` +
    `--region ${region}`;
  return (
    `aws sso-admin detach-managed-policy-from-permission-set ${common} --managed-policy-arn ${policy}` +
    ` && aws sso-admin provision-permission-set ${common} --target-type ALL_PROVISIONED_ACCOUNTS`
  );
}
