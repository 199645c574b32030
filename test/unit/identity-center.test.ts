import { describe, expect, it } from 'vitest';
import {
  instanceIdOf,
  parsePermissionSetArn,
  permissionSetLabel,
  permissionSetOfReservedRole,
} from '../../functions/core/identity-center.js';

describe('Identity Center names', () => {
  it.each([
    ['AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b', 'AdministratorAccess'],
    ['AWSReservedSSO_IoT_Fleet_Admins_7e8f9a0b1c2d3e4f', 'IoT_Fleet_Admins'],
    ['AWSReservedSSO_Ops.Team+EU@1_0123456789abcdef', 'Ops.Team+EU@1'],
    ['AWSReservedSSO_AdministratorAccess', null],
    ['AWSReservedSSO__0a1b2c3d4e5f6a7b', null],
    ['AWSReservedSSO_Admin_0A1B2C3D4E5F6A7B', null],
    ['AWSReservedSSO_Admin_0a1b2c3d', null],
    ['MyAWSReservedSSO_Admin_0a1b2c3d4e5f6a7b', null],
    ['iot-fleet-operator', null],
  ])('the permission set of role %s is %s', (role, name) => {
    expect(permissionSetOfReservedRole(role)).toBe(name);
  });

  it('parses permission set and instance ARNs, and nothing else', () => {
    expect(parsePermissionSetArn('arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c')).toEqual({
      partition: 'aws',
      instanceId: 'ssoins-6804a1b2c3d4e5f6',
      id: 'ps-3a7c9e1f5b2d4a6c',
    });
    expect(
      parsePermissionSetArn('arn:aws-cn:sso:::permissionSet/ins-0123456789abcdef/ps-0123456789abcdef'),
    ).toMatchObject({ partition: 'aws-cn', instanceId: 'ins-0123456789abcdef' });
    for (const bad of [
      'arn:aws:sso:::permissionSet/ps-3a7c9e1f5b2d4a6c',
      'arn:aws:sso::111122223333:permissionSet/ssoins-1/ps-2',
      'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      'ps-3a7c9e1f5b2d4a6c',
      42,
      null,
    ]) {
      expect(parsePermissionSetArn(bad)).toBeNull();
    }
    expect(instanceIdOf('arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6')).toBe('ssoins-6804a1b2c3d4e5f6');
    expect(instanceIdOf('arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-1')).toBeNull();
  });

  it('labels a permission set by name, else by its ps- id', () => {
    const arn = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
    expect(permissionSetLabel(arn, 'IoTOperators')).toBe('permission-set/IoTOperators');
    expect(permissionSetLabel(arn, null)).toBe('permission-set/ps-3a7c9e1f5b2d4a6c');
  });
});
