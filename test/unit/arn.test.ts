import { describe, expect, it } from 'vitest';
import { parsePolicyArn, qualifiedName } from '../../functions/core/arn.js';

describe('parsePolicyArn', () => {
  it.each([
    [
      'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      { partition: 'aws', account: 'aws', path: '/', name: 'AWSIoTFullAccess' },
    ],
    [
      'arn:aws:iam::aws:policy/service-role/AWSIoTLogging',
      { partition: 'aws', account: 'aws', path: '/service-role/', name: 'AWSIoTLogging' },
    ],
    [
      'arn:aws-cn:iam::aws:policy/AWSIoTDataAccess',
      { partition: 'aws-cn', account: 'aws', path: '/', name: 'AWSIoTDataAccess' },
    ],
    [
      'arn:aws-us-gov:iam::aws:policy/AWSIoTDataAccess',
      { partition: 'aws-us-gov', account: 'aws', path: '/', name: 'AWSIoTDataAccess' },
    ],
    [
      'arn:aws:iam::123456789012:policy/AWSIoTFullAccess',
      { partition: 'aws', account: '123456789012', path: '/', name: 'AWSIoTFullAccess' },
    ],
    [
      'arn:aws:iam::123456789012:policy/a/b/c/Name',
      { partition: 'aws', account: '123456789012', path: '/a/b/c/', name: 'Name' },
    ],
  ])('parses %s', (text, expected) => {
    expect(parsePolicyArn(text)).toEqual(expected);
  });

  it.each([
    ['not an ARN', 'AWSIoTFullAccess'],
    ['unknown partition', 'arn:evil:iam::aws:policy/AWSIoTFullAccess'],
    ['another service', 'arn:aws:s3::aws:policy/AWSIoTFullAccess'],
    ['a region in a global service', 'arn:aws:iam:us-east-1:aws:policy/AWSIoTFullAccess'],
    ['a role, not a policy', 'arn:aws:iam::aws:role/AWSIoTFullAccess'],
    ['short account', 'arn:aws:iam::12345:policy/AWSIoTFullAccess'],
    ['trailing junk', 'arn:aws:iam::aws:policy/AWSIoTFullAccess '],
    ['leading junk', ' arn:aws:iam::aws:policy/AWSIoTFullAccess'],
    ['empty name', 'arn:aws:iam::aws:policy/'],
    ['double slash path', 'arn:aws:iam::aws:policy/service-role//AWSIoTLogging'],
    ['a wildcard', 'arn:aws:iam::aws:policy/AWSIoT*'],
    ['null', null],
    ['a number', 42],
  ])('rejects %s', (_case, text) => {
    expect(parsePolicyArn(text)).toBeNull();
  });

  it('names a policy with its path', () => {
    expect(qualifiedName(parsePolicyArn('arn:aws:iam::aws:policy/service-role/AWSIoTLogging')!)).toBe(
      'service-role/AWSIoTLogging',
    );
    expect(qualifiedName(parsePolicyArn('arn:aws:iam::aws:policy/AWSIoTFullAccess')!)).toBe('AWSIoTFullAccess');
  });
});
