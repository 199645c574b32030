import { describe, expect, it } from 'vitest';
import {
  clip,
  fitSnsMessage,
  messageAttributes,
  SNS_MAX_BYTES,
  subjectLine,
} from '../../functions/core/sns-envelope.js';

describe('the SNS envelope of alerts and digests', () => {
  it('clips a field with an ellipsis inside its limit', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abcd', 4)).toBe('abcd');
    expect(clip('x'.repeat(2000))).toHaveLength(1024);
  });

  it('makes a Subject SNS accepts: under 100 characters, no line breaks or control characters', () => {
    expect(subjectLine('a\nb\u0007c\u2028d\u200be')).toBe('a b c d e');
    const long = subjectLine(`${'x'.repeat(120)}`);
    expect(long).toHaveLength(99);
    expect(long.endsWith('…')).toBe(true);
  });

  it('caps attribute values at 256 characters and never sends an empty one', () => {
    expect(messageAttributes({ kind: 'sweep-digest', account: '', error: 'e'.repeat(300) })).toEqual({
      kind: { DataType: 'String', StringValue: 'sweep-digest' },
      account: { DataType: 'String', StringValue: '-' },
      error: { DataType: 'String', StringValue: 'e'.repeat(256) },
    });
  });

  it('takes the first candidate that fits, rendering no further one; JSON for every protocol, text for email', () => {
    const rendered: number[] = [];
    const sizes = [400_000, 100_000, 10];
    const { fitted, message } = fitSnsMessage(sizes, (size) => {
      rendered.push(size);
      return { json: JSON.stringify({ pad: 'j'.repeat(size / 5) }), email: `text ${size}` };
    });
    expect(fitted).toBe(100_000);
    expect(rendered).toEqual([400_000, 100_000]);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const parsed = JSON.parse(message) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(['default', 'sqs', 'lambda', 'https', 'email']);
    expect(parsed.email).toBe('text 100000');
  });

  it('takes the last candidate when none fits', () => {
    expect(fitSnsMessage([300_000, 290_000], (size) => ({ json: 'j'.repeat(size), email: '' })).fitted).toBe(290_000);
  });
});
