/**
 * The sample e-mail and chat card in docs/alerts.md, rendered by the code that renders real ones, from a real-shaped
 * CloudTrail event (test/fixtures/events). `npm run samples` writes them; test/unit/samples.test.ts keeps the
 * checked-in copies equal to what this renders.
 */
import { readFileSync } from 'node:fs';
import { buildAlert, renderSnsMessage, type Alert } from '../functions/core/alert.js';
import { attachmentOf } from '../functions/core/attachment.js';
import { renderChatAlert, type ChatNotification } from '../functions/core/chat.js';
import { readAttachEvent } from '../functions/core/cloudtrail.js';

export const SAMPLES_DOC = 'docs/alerts.md';
export const BEGIN = '<!-- samples:begin (npm run samples writes this part) -->';
export const END = '<!-- samples:end -->';

/** The sample: AWSIoTFullAccess attached to a role, seen by a guard deployed with mode=alert. */
export function sampleAlert(): Alert {
  const delivery = JSON.parse(
    readFileSync('test/fixtures/events/AttachRolePolicy.eventbridge-full-access.json', 'utf8'),
  ) as { detail: unknown; account: string };
  const read = readAttachEvent(delivery.detail, delivery.account);
  if (read.kind !== 'attach') throw new Error('the sample fixture is not an attach event');
  return buildAlert({
    attachment: attachmentOf(read.event),
    decision: { verdict: 'violation', action: 'alert', rule: null, reason: 'no allowlist entry matches' },
    outcome: 'alert-only',
    mode: 'alert',
    actionSource: 'deploy-mode',
    handledAt: new Date('2026-11-20T10:03:12Z'),
  });
}

/** How a chat client shows the card, roughly: title, body, next steps as a list (markdown not rendered). */
function preview(chat: ChatNotification): string {
  return [
    chat.content.title,
    '',
    chat.content.description,
    '',
    'Next steps:',
    ...(chat.content.nextSteps ?? []).map((s) => `  • ${s}`),
  ].join('\n');
}

/** The markdown between the markers: the e-mail text, the chat card as it reads and as the JSON published. */
export function renderSamples(): string {
  const alert = sampleAlert();
  const email = (JSON.parse(renderSnsMessage(alert).Message) as { email: string }).email;
  const chat = renderChatAlert(alert);
  return [
    BEGIN,
    '',
    `**Sample e-mail** (subject: \`${renderSnsMessage(alert).Subject}\`):`,
    '',
    '```text',
    email,
    '```',
    '',
    '**Sample chat card**, as it reads in the channel:',
    '',
    '```text',
    preview(chat),
    '```',
    '',
    'and as published to the chat topic:',
    '',
    '```json',
    JSON.stringify(chat, null, 2),
    '```',
    '',
    END,
  ].join('\n');
}

/** The document with its sample section replaced by `samples`; throws when the markers are missing. */
export function withSamples(doc: string, samples: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${SAMPLES_DOC} has no "${BEGIN}" … "${END}" section`);
  return `${doc.slice(0, begin)}${samples}${doc.slice(end + END.length)}`;
}
