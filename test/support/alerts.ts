/**
 * Alerts built from real-shaped CloudTrail fixtures, and the stubbed clients the guard's unit tests publish through.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import { buildAlert, type Alert, type AlertInput } from '../../functions/core/alert.js';
import { readAttachEvent } from '../../functions/core/cloudtrail.js';
import { attachmentOf } from '../../functions/core/attachment.js';
import type { AttachEvent, Attachment } from '../../functions/core/types.js';
import { fixture } from './fixtures.js';

/** The attach event a fixture (an EventBridge delivery or a bare record) holds. */
export function eventOf(name: string): AttachEvent {
  const body = fixture(name);
  const result = readAttachEvent(
    'detail' in body ? body.detail : body,
    typeof body.account === 'string' ? body.account : null,
  );
  if (result.kind !== 'attach') throw new Error(`${name} is not an attach event`);
  return result.event;
}

export const VIOLATION = {
  verdict: 'violation',
  action: 'alert',
  rule: null,
  reason: 'no allowlist entry matches',
} as const;

/** The alert of a violation left in place by a stack deployed with mode=alert, unless `extra` says otherwise. */
export function alertOf(event: AttachEvent | Attachment, extra: Partial<AlertInput> = {}): Alert {
  return buildAlert({
    attachment: 'source' in event ? event : attachmentOf(event),
    decision: VIOLATION,
    outcome: 'alert-only',
    mode: 'alert',
    actionSource: 'deploy-mode',
    handledAt: new Date('2026-11-26T12:00:00Z'),
    ...extra,
  });
}

/** IAM and SNS stubbed for every test of the file, SNS accepting every publish. */
export function stubGuardClients() {
  const iam = mockClient(IAMClient);
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    iam.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  return { iam, sns };
}
