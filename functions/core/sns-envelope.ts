/**
 * The SNS envelope the alert and the sweep digest share: field clipping, the Subject line, message attributes, and one
 * message that carries the JSON for machine protocols and the text for email within SNS's size limit.
 */

/** SNS allows 256 KiB for the whole message. */
export const SNS_MAX_BYTES = 262_144;
/** The JSON travels in up to five copies (one a protocol, fitSnsMessage), so each field is capped. */
export const MAX_FIELD_CHARS = 1024;
// Room left for the Subject, the attributes and the envelope's own JSON.
const MESSAGE_BUDGET = SNS_MAX_BYTES - 4096;
const SUBJECT_MAX_CHARS = 99;
const ATTRIBUTE_MAX_CHARS = 256;

/** The SNS Publish input, without the topic. */
export interface SnsMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  readonly MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

/** `text` cut to at most `max` characters, an ellipsis marking the cut. */
export const clip = (text: string, max = MAX_FIELD_CHARS): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * The most characters of a principal's name an alert or digest keeps: an IAM name has at most 128, a permission set is
 * named by its ARN. A name longer than this is clipped, so it is not the real one.
 */
export const principalNameLimit = (type: string): number => (type === 'permission-set' ? MAX_FIELD_CHARS : 128);

/** clip, for a field that may be null. */
export const clipOrNull = (text: string | null): string | null => (text === null ? null : clip(text));

/** One line for the SNS Subject: under 100 characters, no line breaks or control characters (SNS refuses them). */
export function subjectLine(text: string): string {
  const line = text.length > SUBJECT_MAX_CHARS ? `${text.slice(0, SUBJECT_MAX_CHARS - 1)}…` : text;
  return line.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ');
}

/** String message attributes (SNS, and SQS alike): each value capped, never empty (both refuse an empty one). */
export function messageAttributes(values: Readonly<Record<string, string>>): SnsMessage['MessageAttributes'] {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      { DataType: 'String' as const, StringValue: value.slice(0, ATTRIBUTE_MAX_CHARS) || '-' },
    ]),
  );
}

/**
 * The first of `candidates` (each smaller than the one before) whose message fits SNS's limit, with that message: its
 * JSON for every machine protocol and its text for email (MessageStructure json). The last candidate is taken whatever
 * its size. Escaping can multiply hostile input several times over, so the size is only known once rendered.
 */
export function fitSnsMessage<T>(
  candidates: Iterable<T>,
  render: (candidate: T) => { json: string; email: string },
): { fitted: T; message: string } {
  let last: { fitted: T; message: string } | undefined;
  for (const fitted of candidates) {
    const { json, email } = render(fitted);
    last = { fitted, message: JSON.stringify({ default: json, sqs: json, lambda: json, https: json, email }) };
    if (Buffer.byteLength(last.message) <= MESSAGE_BUDGET) return last;
  }
  if (last === undefined) throw new Error('fitSnsMessage needs at least one candidate');
  return last;
}
