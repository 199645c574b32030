import {
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  NoSuchEntityException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listAttachedAwsPolicies,
  ListHoldersError,
  listPolicyHolders,
  MAX_PAGE_SIZE,
} from '../../functions/aws/list-entities.js';

const ARN = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

afterEach(() => iamMock.reset());

describe('listPolicyHolders', () => {
  it('follows Marker over every page and collects users, roles and groups', async () => {
    const pages = [
      {
        PolicyRoles: [{ RoleName: 'r1', RoleId: 'AROA1' }],
        PolicyUsers: [{ UserName: 'u1', UserId: 'AIDA1' }],
        IsTruncated: true,
        Marker: 'm1',
      },
      { PolicyGroups: [{ GroupName: 'g1', GroupId: 'AGPA1' }], IsTruncated: true, Marker: 'm2' },
      { PolicyRoles: [{ RoleName: 'r2', RoleId: 'AROA2' }], IsTruncated: false },
    ];
    // The SDK's paginator reuses one input object across pages: record each call's input as it is sent.
    const inputs: Record<string, unknown>[] = [];
    iamMock.on(ListEntitiesForPolicyCommand).callsFake((input: Record<string, unknown>) => {
      inputs.push({ ...input });
      return pages.shift();
    });

    const holders = await listPolicyHolders(iam, ARN, { pageSize: 2 });

    expect(holders).toEqual({
      found: true,
      calls: 3,
      principals: [
        { type: 'user', name: 'u1' },
        { type: 'role', name: 'r1' },
        { type: 'group', name: 'g1' },
        { type: 'role', name: 'r2' },
      ],
    });
    expect(inputs.map((i) => i.Marker)).toEqual([undefined, 'm1', 'm2']);
    // Permissions boundaries are not attachments the guard may detach.
    for (const input of inputs)
      expect(input).toMatchObject({ PolicyArn: ARN, PolicyUsageFilter: 'PermissionsPolicy', MaxItems: 2 });
  });

  it("asks for IAM's largest page by default", async () => {
    iamMock.on(ListEntitiesForPolicyCommand).resolves({ IsTruncated: false });
    expect(await listPolicyHolders(iam, ARN)).toEqual({ found: true, calls: 1, principals: [] });
    expect(iamMock.commandCalls(ListEntitiesForPolicyCommand)[0]?.args[0].input.MaxItems).toBe(MAX_PAGE_SIZE);
  });

  it('reports a policy that does not exist in the partition as not found, after one call', async () => {
    iamMock
      .on(ListEntitiesForPolicyCommand)
      .rejects(new NoSuchEntityException({ message: 'Policy arn:aws-cn:... was not found.', $metadata: {} }));
    expect(await listPolicyHolders(iam, ARN)).toEqual({ found: false, calls: 1 });
  });

  it('throws ListHoldersError, with the IAM code and the cause, for anything else', async () => {
    const cause = new ServiceFailureException({ message: 'boom', $metadata: {} });
    iamMock.on(ListEntitiesForPolicyCommand).resolvesOnce({ IsTruncated: true, Marker: 'm1' }).rejectsOnce(cause);
    const error = await listPolicyHolders(iam, ARN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListHoldersError);
    expect(error).toMatchObject({ code: 'ServiceFailure', policyArn: ARN, calls: 2, cause });
    expect((error as Error).message).toBe(`listing the holders of ${ARN} failed: ServiceFailure: boom`);
  });

  it('a NoSuchEntity on a later page (the policy vanished mid-listing) is an error, not "not found"', async () => {
    iamMock
      .on(ListEntitiesForPolicyCommand)
      .resolvesOnce({ PolicyRoles: [{ RoleName: 'r1', RoleId: 'AROA1' }], IsTruncated: true, Marker: 'm1' })
      .rejectsOnce(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    await expect(listPolicyHolders(iam, ARN)).rejects.toBeInstanceOf(ListHoldersError);
  });

  it('stops when IAM repeats a marker instead of looping forever', async () => {
    iamMock.on(ListEntitiesForPolicyCommand).resolves({ IsTruncated: true, Marker: 'same' });
    const holders = await listPolicyHolders(iam, ARN);
    expect(holders.calls).toBe(2);
  });
});

describe('listAttachedAwsPolicies', () => {
  it(
    'asks for attached AWS managed policies (permissions ' +
      'policies), follows Marker, and keeps each AttachmentCount',
    async () => {
      const pages = [
        { Policies: [{ Arn: ARN, AttachmentCount: 3 }, { PolicyName: 'no ARN' }], IsTruncated: true, Marker: 'm1' },
        { Policies: [{ Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], IsTruncated: false },
      ];
      const inputs: Record<string, unknown>[] = [];
      iamMock.on(ListPoliciesCommand).callsFake((input: Record<string, unknown>) => {
        inputs.push({ ...input });
        return pages.shift();
      });
      expect(await listAttachedAwsPolicies(iam)).toEqual({
        calls: 2,
        policies: [
          { arn: ARN, attachmentCount: 3 },
          { arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', attachmentCount: undefined },
        ],
      });
      expect(inputs).toEqual([
        { Scope: 'AWS', OnlyAttached: true, PolicyUsageFilter: 'PermissionsPolicy', MaxItems: MAX_PAGE_SIZE },
        {
          Scope: 'AWS',
          OnlyAttached: true,
          PolicyUsageFilter: 'PermissionsPolicy',
          MaxItems: MAX_PAGE_SIZE,
          Marker: 'm1',
        },
      ]);
    },
  );

  it('throws ListHoldersError without a policy ARN, counting the failed call', async () => {
    const cause = new ServiceFailureException({ message: 'boom', $metadata: {} });
    iamMock.on(ListPoliciesCommand).resolvesOnce({ IsTruncated: true, Marker: 'm1' }).rejectsOnce(cause);
    const error = await listAttachedAwsPolicies(iam, { pageSize: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListHoldersError);
    expect(error).toMatchObject({ code: 'ServiceFailure', policyArn: null, calls: 2, cause });
    expect((error as Error).message).toBe('listing the attached AWS managed policies failed: ServiceFailure: boom');
  });
});
