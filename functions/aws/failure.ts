/**
 * What kind of failure an AWS SDK call ended in, told apart here by the SDK's own marks (error codes, the credential
 * provider's error, the service's response metadata), so that callers branch on a kind rather than on SDK names.
 */

/**
 * `network`: the endpoint could not be reached; `no-credentials`: none could be found; `rejected-credentials`: the
 * service refused them; `access-denied`: they lack a permission; `service`: any other error the service answered
 * with; `other`: not a service's answer (a bug, or an error of our own).
 */
export type AwsFailureKind =
  | 'network'
  | 'no-credentials'
  | 'rejected-credentials'
  | 'access-denied'
  | 'service'
  | 'other';

export interface AwsFailure {
  readonly kind: AwsFailureKind;
  readonly code: string;
  /** The first line of the error's message. */
  readonly message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);
const REJECTED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'UnrecognizedClient',
  'InvalidAccessKeyId',
]);

/** The kind, code and message of an error thrown by an AWS SDK call; null when it is not an error object at all. */
export function awsFailureOf(error: unknown): AwsFailure | null {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; $metadata?: unknown } | null;
  if (e === null || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : errorCode(error);
  const message = String(e.message ?? '').split('\n')[0] ?? '';
  return { kind: kindOf(code, e), code, message };
}

function kindOf(code: string, e: { name?: unknown; $metadata?: unknown }): AwsFailureKind {
  if (NETWORK_CODES.has(code)) return 'network';
  if (e.name === 'CredentialsProviderError') return 'no-credentials';
  if (REJECTED_CREDENTIALS.has(code)) return 'rejected-credentials';
  if (code === 'AccessDenied') return 'access-denied';
  return e.$metadata !== undefined ? 'service' : 'other';
}

/** The IAM error code of an SDK error (`NoSuchEntity`, not `NoSuchEntityException`). */
export function errorCode(error: unknown): string {
  const e = error as { Code?: unknown; name?: unknown };
  if (typeof e?.Code === 'string') return e.Code;
  if (typeof e?.name === 'string') return e.name.replace(/Exception$/, '');
  return 'UnknownError';
}

/** IAM refused or failed the detach for a reason a retry may fix (AccessDenied, throttling, ...). */
export class RemediationError extends Error {
  override readonly name = 'RemediationError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
