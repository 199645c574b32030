import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { readAttachEvent, recordsIn } from '../../functions/core/cloudtrail.js';
import { decide } from '../../functions/core/decide.js';

// An allowlist with nothing allowed: every governed, successful attach call is a violation.
const strict = parseAllowlist('version: 1\nmode: remediate\n', 'strict.yml');
const NOW = new Date('2026-11-26T00:00:00Z');

/** Every verdict the reader and the core would produce for a document. */
function verdictsOf(doc: unknown): string[] {
  const verdicts: string[] = [];
  for (const found of recordsIn(doc)) {
    if ('problem' in found) continue;
    const result = readAttachEvent(found.record, found.envelopeAccount);
    if (result.kind === 'attach') verdicts.push(decide(result.event, strict, { now: NOW }).verdict);
  }
  return verdicts;
}

const attachName = fc.constantFrom('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy');
const messyValue = fc.oneof(
  fc.constant(null),
  fc.constant('None'),
  fc.constant('true'),
  fc.constant('HIDDEN_DUE_TO_SECURITY_REASONS'),
  fc.jsonValue(),
);

describe('reading CloudTrail never throws and never invents a violation', () => {
  it('on any JSON value, in any container', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const doc of [
          value,
          { Records: [value] },
          { 'detail-type': 'x', detail: value },
          { Events: [{ CloudTrailEvent: JSON.stringify(value) }] },
        ]) {
          expect(() => verdictsOf(doc)).not.toThrow();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('on lookup-events entries whose CloudTrailEvent is any string', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(() => verdictsOf({ Events: [{ CloudTrailEvent: s }] })).not.toThrow();
      }),
    );
  });

  it('yields no violation from a record that is not an IAM attach call', () => {
    const record = fc
      .record(
        {
          eventSource: fc.oneof(
            fc.string(),
            fc.constantFrom('iam.amazonaws.com.evil', 'sts.amazonaws.com', 'IAM.amazonaws.com', 's3.amazonaws.com'),
          ),
          eventName: fc.oneof(
            fc.string(),
            fc.constantFrom('DetachRolePolicy', 'CreateRole', 'attachrolepolicy', 'AttachRolePolicy '),
          ),
          requestParameters: fc.record({
            roleName: fc.string(),
            userName: fc.string(),
            groupName: fc.string(),
            policyArn: fc.constant('arn:aws:iam::aws:policy/AWSIoTFullAccess'),
          }),
        },
        { requiredKeys: [] },
      )
      .filter(
        (r) =>
          !(
            r.eventSource === 'iam.amazonaws.com' &&
            ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'].includes(r.eventName as string)
          ),
      );
    fc.assert(
      fc.property(record, (r) => {
        expect(verdictsOf({ Records: [r] })).toEqual([]);
      }),
    );
  });

  it('yields no violation from a malformed attach call (messy requestParameters, or an errorCode)', () => {
    const record = fc.record({
      eventSource: fc.constant('iam.amazonaws.com'),
      eventName: attachName,
      errorCode: fc.option(fc.constantFrom('AccessDenied', 'NoSuchEntity', 'LimitExceeded'), { nil: undefined }),
      requestParameters: fc.oneof(
        messyValue,
        fc.record(
          { roleName: messyValue, userName: messyValue, groupName: messyValue, policyArn: messyValue },
          { requiredKeys: [] },
        ),
      ),
      responseElements: messyValue,
      userIdentity: messyValue,
    });
    fc.assert(
      fc.property(record, (r) => {
        const params = r.requestParameters as Record<string, unknown> | null;
        const arn = params && typeof params === 'object' ? params.policyArn : undefined;
        const named =
          params &&
          typeof params === 'object' &&
          ['roleName', 'userName', 'groupName'].some(
            (k) => typeof params[k] === 'string' && /^[\w+=,.@-]{1,128}$/.test(params[k] as string),
          );
        const wellFormed = r.errorCode === undefined && named && typeof arn === 'string' && arn.startsWith('arn:');
        fc.pre(!wellFormed);
        expect(verdictsOf(r)).not.toContain('violation');
      }),
      { numRuns: 2000 },
    );
  });

  it('does find the violation in a well-formed attach call, however messy the rest', () => {
    fc.assert(
      fc.property(attachName, messyValue, messyValue, (eventName, responseElements, userIdentity) => {
        const field = { AttachUserPolicy: 'userName', AttachRolePolicy: 'roleName', AttachGroupPolicy: 'groupName' }[
          eventName
        ];
        const record = {
          eventSource: 'iam.amazonaws.com',
          eventName,
          requestParameters: { [field]: 'victim', policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess' },
          responseElements,
          userIdentity,
        };
        expect(verdictsOf({ Records: [record] })).toEqual(['violation']);
      }),
    );
  });
});
