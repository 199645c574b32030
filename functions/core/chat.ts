/**
 * Chat: the alert and the sweep digest as Amazon Q Developer in chat applications (formerly AWS Chatbot) custom
 * notifications, which it posts to the Slack and Microsoft Teams channels subscribed to the chat topic. The format is
 * AWS's (infra/chat-notification.schema.json, written from its documentation); the content is rendered from the same
 * data as the e-mail. `client-markdown` is the chat platform's own markdown, which differs between Slack and Teams:
 * only what both render is used (inline code, code blocks, plain URLs, emoji codes).
 */
import { actionSourceText, outcomeText, renderSubject, type Alert } from './alert.js';
import { digestSeverity, renderDigestSubject, type Digest } from './digest.js';
import { permissionSetLabel } from './identity-center.js';
import { clip } from './sns-envelope.js';

export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps?: readonly string[];
    readonly keywords?: readonly string[];
  };
  readonly metadata?: {
    readonly threadId?: string;
    readonly summary?: string;
    readonly eventType?: string;
    readonly relatedResources?: readonly string[];
    readonly additionalContext?: Readonly<Record<string, string>>;
  };
}

/** Our own bounds (chat platforms cut long messages), far below SNS's 256 KiB. */
export const CHAT_TITLE_CHARS = 250;
export const CHAT_DESCRIPTION_CHARS = 3500;
export const CHAT_STEP_CHARS = 1500;
/** The digest's chat message lists this many violations; the e-mail and the JSON list them all. */
export const CHAT_DIGEST_LINES = 10;

const EMOJI: Record<Alert['outcome'], string> = {
  reverted: ':white_check_mark:',
  'already-detached': ':white_check_mark:',
  'not-remediable': ':warning:',
  'remediation-failed': ':rotating_light:',
  'alert-only': ':warning:',
  'dry-run': ':warning:',
  stale: ':warning:',
  unreadable: ':warning:',
};

// A sweep finding has no event: nobody can say who attached it.
const SWEEP_UNKNOWN = 'no CloudTrail event says who attached it, or when.';

/**
 * Text from the event, made inert for chat: no line breaks or invisible characters, no backtick to close the code
 * span it is shown in, no angle brackets (Slack's <!channel> and <@user> mentions, <url|text> links).
 */
export function inert(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ')
    .replaceAll('`', "'")
    .replaceAll('<', '‹')
    .replaceAll('>', '›');
}

const code = (text: string): string => `\`${inert(text)}\``;

/** The chat notification of one alert. */
export function renderChatAlert(alert: Alert): ChatNotification {
  const principal =
    alert.principal.type === 'permission-set'
      ? permissionSetLabel(alert.principal.name, alert.permissionSet?.name)
      : `${alert.principal.type}/${alert.principal.name}`;
  const why = actionSourceText(alert);
  const lines = [
    outcomeText(alert),
    ...(why === null ? [] : [`Action from: ${why}`]),
    ...(alert.error ? [`Error: ${code(`${alert.error.name}: ${alert.error.message}`)}`] : []),
    `Policy: ${code(alert.policyName)} (severity ${alert.severity})`,
    `Principal: ${code(principal)} in account ${code(alert.account ?? 'unknown')}`,
    ...(alert.source === 'sweep'
      ? [`Found by the scheduled sweep at ${code(alert.foundAt ?? alert.handledAt)}: ${SWEEP_UNKNOWN}`]
      : [
          `Attached by: ${code(alert.actor)} from ${code(alert.sourceIp ?? 'unknown')}`,
          `When: ${code(alert.eventTime ?? alert.handledAt)}`,
        ]),
    `Why: ${code(alert.reason)}`,
  ];
  const steps: string[] = [];
  // A command cut short, or one whose quoting a backtick would break in markdown, is left to the e-mail and the JSON.
  if (alert.remediationCommand) {
    steps.push(
      alert.remediationCommand.length <= CHAT_STEP_CHARS - 40 && !alert.remediationCommand.includes('`')
        ? `Detach it now: \`${alert.remediationCommand}\``
        : 'Detach it now: the command is in the e-mail and in the alert JSON (remediationCommand).',
    );
  }
  if (alert.links?.principal) steps.push(`Principal in the console: ${alert.links.principal}`);
  if (alert.links?.event) steps.push(`Event in CloudTrail: ${alert.links.event}`);
  if (alert.verdict === 'violation' && alert.outcome !== 'already-detached' && alert.outcome !== 'unreadable') {
    steps.push(
      'If it is legitimate: add the allowlist entry from the e-mail (suggestedAllowlistEntry), write its reason, and ' +
        'redeploy.',
    );
  }
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clip(`${EMOJI[alert.outcome]} ${inert(renderSubject(alert))}`, CHAT_TITLE_CHARS),
      description: clip(lines.join('\n'), CHAT_DESCRIPTION_CHARS),
      nextSteps: steps.map((s) => clip(s, CHAT_STEP_CHARS)),
      keywords: ['iot-policy-guard', alert.outcome, `severity-${alert.severity}`],
    },
    metadata: {
      // One thread per attachment: a retry's or the sweep's later alert about it follows the first.
      threadId: clip(
        inert(
          `iot-policy-guard/${alert.account ?? 'unknown'}/${alert.principal.type}/` +
            `${alert.principal.name}/${alert.policyName}`,
        ),
        256,
      ),
      summary: clip(inert(renderSubject(alert)), CHAT_TITLE_CHARS),
      eventType: alert.verdict === 'failed-attempt' ? 'IoTPolicyFailedAttach' : 'IoTPolicyViolation',
      relatedResources: [alert.policyArn],
      additionalContext: {
        outcome: alert.outcome,
        severity: alert.severity,
        account: alert.account ?? 'unknown',
        mode: alert.mode,
      },
    },
  };
}

/** The chat notification of a sweep's digest: its counts and the worst violations. */
export function renderChatDigest(digest: Digest): ChatNotification {
  const c = digest.counts;
  const severity = digestSeverity(digest);
  const lines = [
    `Checked ${c.attachments} attachments of ${c.governedPolicies} governed policies: ${c.allowed} allowed, ` +
      `${c.violations} violations.`,
  ];
  if (c.failures > 0)
    lines.push(
      `:rotating_light: ${c.failures} response${c.failures === 1 ? '' : 's'} failed: those policies are probably ` +
        `still attached. Act now.`,
    );
  if (digest.error)
    lines.push(
      `The sweep stopped early: ${code(`${digest.error.name}: ${digest.error.message}`)}; attachments may have been ` +
        `missed.`,
    );
  for (const v of digest.violations.slice(0, CHAT_DIGEST_LINES)) {
    const who =
      v.principal.type === 'permission-set'
        ? permissionSetLabel(v.principal.name, v.permissionSetName)
        : `${v.principal.type}/${v.principal.name}`;
    lines.push(`• ${code(who)} ${code(v.policyName)} ${v.outcome ?? 'failed'}`);
  }
  const more = digest.violations.length - Math.min(digest.violations.length, CHAT_DIGEST_LINES) + digest.omitted;
  if (more > 0) lines.push(`… and ${more} more in the e-mail and the JSON digest.`);
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clip(
        `${c.failures > 0 || !digest.complete ? ':rotating_light:' : ':mag:'} ${inert(renderDigestSubject(digest))}`,
        CHAT_TITLE_CHARS,
      ),
      description: clip(lines.join('\n'), CHAT_DESCRIPTION_CHARS),
      nextSteps: [
        'Every detach the sweep made, tried or could not make was also sent as its own alert.',
        'The e-mail digest lists every violation; `iot-policy-guard audit` lists what is attached now, with verdicts.',
      ],
      keywords: ['iot-policy-guard', 'sweep-digest', `severity-${severity}`],
    },
    metadata: {
      threadId: `iot-policy-guard/${digest.account ?? 'unknown'}/sweep`,
      summary: clip(inert(renderDigestSubject(digest)), CHAT_TITLE_CHARS),
      eventType: 'IoTPolicySweepDigest',
      additionalContext: {
        account: digest.account ?? 'unknown',
        severity,
        complete: String(digest.complete),
        mode: digest.mode,
      },
    },
  };
}
