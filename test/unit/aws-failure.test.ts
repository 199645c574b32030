// The kinds audit branches on, told apart in the aws layer from what the SDK throws.
import { describe, expect, it } from 'vitest';
import { awsFailureOf } from '../../functions/aws/failure.js';

const serviceError = (name: string, message = 'refused'): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });

describe('awsFailureOf', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'network',
      'ECONNREFUSED',
    ],
    [
      'a request that timed out',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'network',
      'TimeoutError',
    ],
    [
      'no credentials anywhere',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'no-credentials',
      'CredentialsProviderError',
    ],
    [
      'credentials the service rejects',
      serviceError('InvalidClientTokenId'),
      'rejected-credentials',
      'InvalidClientTokenId',
    ],
    ['an expired session', serviceError('ExpiredTokenException'), 'rejected-credentials', 'ExpiredToken'],
    ['a missing permission', serviceError('AccessDenied'), 'access-denied', 'AccessDenied'],
    ['any other answer of the service', serviceError('ServiceFailure'), 'service', 'ServiceFailure'],
    ['an error of our own (a bug)', new TypeError('x is undefined'), 'other', 'TypeError'],
  ] as const)('%s: %s', (_, error, kind, code) => {
    expect(awsFailureOf(error)).toMatchObject({ kind, code });
  });

  it('keeps the first line of the message, and is null for what is not an error object', () => {
    expect(awsFailureOf(serviceError('AccessDenied', 'not allowed\nat line 2'))?.message).toBe('not allowed');
    expect(awsFailureOf('boom')).toBeNull();
    expect(awsFailureOf(null)).toBeNull();
  });
});
