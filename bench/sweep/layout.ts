/**
 * The sweep benchmark's accounts: SIZE principals (8 in 10 roles, then a user and a group), of which the same few,
 * all among the first 100, hold the same attachments in every account, so that only the number of principals differs.
 */
export type SweepPrincipalType = 'role' | 'user' | 'group';

export function principalType(index: number): SweepPrincipalType {
  const r = index % 10;
  return r < 8 ? 'role' : r === 8 ? 'user' : 'group';
}

export function principalName(index: number): string {
  return `bsw-${principalType(index)[0]}-${String(index).padStart(5, '0')}`;
}

const arn = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export interface SweepAttachment {
  readonly index: number;
  readonly policyArn: string;
  /** What the allowlist below makes of it. */
  readonly expect: 'allowed' | 'violation' | 'expired' | 'not-governed';
}

export const SWEEP_ATTACHMENTS: readonly SweepAttachment[] = [
  { index: 0, policyArn: arn('AWSIoTDataAccess'), expect: 'allowed' },
  { index: 1, policyArn: arn('service-role/AWSIoTLogging'), expect: 'allowed' },
  { index: 8, policyArn: arn('AWSIoTConfigReadOnlyAccess'), expect: 'allowed' },
  { index: 9, policyArn: arn('AWSIoTConfigReadOnlyAccess'), expect: 'allowed' },
  { index: 2, policyArn: arn('AWSIoTFullAccess'), expect: 'violation' },
  { index: 3, policyArn: arn('AWSIoTDataAccess'), expect: 'violation' },
  { index: 3, policyArn: arn('AWSIoTConfigAccess'), expect: 'violation' },
  { index: 18, policyArn: arn('AWSIoTFullAccess'), expect: 'violation' },
  { index: 19, policyArn: arn('AWSIoTEventsFullAccess'), expect: 'violation' },
  { index: 4, policyArn: arn('AWSIoTDataAccess'), expect: 'expired' },
  { index: 5, policyArn: arn('service-role/AWSIoTRuleActions'), expect: 'expired' },
  { index: 6, policyArn: arn('AmazonS3ReadOnlyAccess'), expect: 'not-governed' },
];

/**
 * The allowlist the sweep runs with: allows the `allowed` attachments, and allowed the `expired` ones until 2026-01-01.
 */
export function sweepAllowlist(): string {
  const entries = SWEEP_ATTACHMENTS.filter((a) => a.expect === 'allowed' || a.expect === 'expired').map((a) =>
    [
      `  - policy: ${a.policyArn.replace('arn:aws:iam::aws:policy/', '')}`,
      `    principal: ${principalType(a.index)}/${principalName(a.index)}`,
      ...(a.expect === 'expired' ? ['    expires: 2026-01-01'] : []),
      `    reason: sweep benchmark (${a.expect})`,
    ].join('\n'),
  );
  return `version: 1\nmode: alert\nscope: aws-iot\nallow:\n${entries.join('\n')}\n`;
}
