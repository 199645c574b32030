import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAlert } from '../../functions/core/alert.js';
import { attachmentOf } from '../../functions/core/attachment.js';
import { AllowlistError, PLACEHOLDER_REASON, type Allowlist } from '../../functions/core/allowlist.js';
import { parseAllowlist, parseAllowlistDocument, parseAllowlistJson } from '../../functions/core/allowlist-read.js';

function problemsOf(text: string): string {
  try {
    parseAllowlist(text, 'allow.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(AllowlistError);
    return (error as AllowlistError).message;
  }
  throw new Error('expected the allowlist to be rejected');
}

describe('allowlist hints', () => {
  const entry = (fields: string) => `version: 1\nallow:\n  - policy: AWSIoTDataAccess\n${fields}    reason: ingest\n`;

  it('suggests the principal forms for a bare name, and the name and account for an IAM ARN', () => {
    expect(problemsOf(entry('    principal: iot-ingest-*\n'))).toContain(
      'did you mean "role/iot-ingest-*", "user/iot-ingest-*" or "group/iot-ingest-*"? (line 4)',
    );
    expect(problemsOf(entry('    principal: arn:aws:iam::123456789012:role/service/iot-ingest\n'))).toContain(
      'did you mean "role/iot-ingest" with account: "123456789012"? (line 4)',
    );
  });

  it('says "no such date" for a date that does not exist', () => {
    expect(problemsOf(entry('    principal: role/x\n    expires: 2026-02-30\n'))).toContain(
      'field "expires": no such date: 2026-02-30',
    );
    expect(problemsOf(entry('    principal: role/x\n    expires: 30.02.2026\n'))).toContain(
      'field "expires": expected a date YYYY-MM-DD',
    );
  });

  it('names a key written twice', () => {
    expect(problemsOf(entry('    principal: role/x\n    principal: role/y\n'))).toContain(
      'duplicate key "principal" in one mapping (only one value can count) (line 5)',
    );
  });
});

describe('parseAllowlist', () => {
  it('accepts the documented format and applies defaults', () => {
    const list = parseAllowlist(
      `version: 1
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "123456789012"
    attachedBy: "arn:aws:iam::*:role/ci-deployer*"
    expires: 2027-01-31
    reason: ingest pipeline publishes telemetry
    ticket: SEC-123
`,
      'allow.yml',
    );
    expect(list.mode).toBe('alert');
    expect(list.scope).toBe('aws-iot');
    expect(list.allow).toHaveLength(1);
    expect(list.allow[0]).toMatchObject({
      index: 0,
      principalType: 'role',
      expires: '2027-01-31',
      account: '123456789012',
    });
    expect(list.allow[0]!.expiresAt).toBe(Date.parse('2027-02-01T00:00:00Z'));
  });

  it('accepts JSON too', () => {
    const list = parseAllowlist(
      JSON.stringify({
        version: 1,
        mode: 'remediate',
        scope: 'seed',
        allow: [{ policy: '*', principal: 'user/alice', reason: 'r' }],
      }),
      'allow.json',
    );
    expect(list.mode).toBe('remediate');
    expect(list.scope).toBe('seed');
  });

  it.each([
    [
      'a typo in a field name',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principle: role/x\n    reason: r\n',
      /allow\[0\] field "principle": unknown field "principle" \(a typo\?\) \(line 4\)/,
    ],
    [
      'a missing reason',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: role/x\n',
      /allow\[0\] \(role\/x\) field "reason"/,
    ],
    [
      'an unknown policy name',
      'version: 1\nallow:\n  - policy: AWSIoTFulAccess\n    principal: role/x\n    reason: r\n',
      new RegExp(
        String.raw`allow\[0\] \(role\/x\) field "policy": unknown policy "AWSIoTFulAccess".*` +
          String.raw`Did you mean "AWSIoTFullAccess"\?.*\(line 3\)`,
      ),
    ],
    [
      'a policy under the wrong path',
      'version: 1\nallow:\n  - policy: service-role/AWSIoTFullAccess\n    principal: role/x\n    reason: r\n',
      /unknown policy "service-role\/AWSIoTFullAccess"/,
    ],
    [
      'a customer policy ARN',
      'version: 1\nallow:\n  - policy: arn:aws:iam::123456789012:policy/AWSIoTFullAccess\n    principal: role/x\n    ' +
        'reason: r\n',
      /customer managed policy/,
    ],
    [
      'a non-IoT AWS policy ARN',
      'version: 1\nallow:\n  - policy: arn:aws:iam::aws:policy/AdministratorAccess\n    principal: role/x\n    ' +
        'reason: r\n',
      /not an AWS IoT managed policy/,
    ],
    [
      'a malformed ARN',
      'version: 1\nallow:\n  - policy: "arn:aws:iam::aws:AWSIoTFullAccess"\n    principal: role/x\n    reason: r\n',
      /is not an IAM policy ARN/,
    ],
    [
      'a permission set ARN glob of another service',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: permission-set/arn:aws:iam::*:role/x\n    ' +
        'reason: r\n',
      /field "principal": "arn:aws:iam::\*:role\/x" is not a permission set ARN glob/,
    ],
    [
      'a permission set name with a space',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: permission-set/IoT Operators\n    reason: r\n',
      /field "principal": expected/,
    ],
    [
      'a permission set without a name',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: permission-set/\n    reason: r\n',
      /field "principal": expected/,
    ],
    [
      'a principal without a type',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: iot-ingest\n    reason: r\n',
      /field "principal": expected user\/NAME, role\/NAME, group\/NAME or permission-set\/NAME-or-ARN/,
    ],
    [
      'an unknown principal type',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: thing/x\n    reason: r\n',
      /field "principal"/,
    ],
    [
      'an unquoted account',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: role/x\n    account: 012345678901\n    ' +
        'reason: r\n',
      /field "account": account ids must be quoted strings/,
    ],
    [
      'an impossible date',
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: role/x\n    expires: 2027-02-30\n    reason: ' +
        'r\n',
      /field "expires": no such date: 2027-02-30/,
    ],
    ['a wrong version', 'version: 2\nallow: []\n', /field "version"/],
    ['an unknown mode', 'version: 1\nmode: revert\n', /field "mode"/],
    ['an unknown scope', 'version: 1\nscope: iot\n', /field "scope"/],
    [
      'an unknown policy in modes',
      'version: 1\nmodes:\n  AWSIoTFullAcces: remediate\n',
      /modes field "AWSIoTFullAcces": unknown policy/,
    ],
    ['a bad mode in modes', 'version: 1\nmodes:\n  AWSIoTFullAccess: detach\n', /modes field "AWSIoTFullAccess"/],
    [
      'an ARN at the wrong path',
      'version: 1\nallow:\n  - policy: arn:aws:iam::aws:policy/AWSIoTLogging\n    principal: role/x\n    reason: r\n',
      /names AWSIoTLogging at the wrong path.*arn:aws:iam::aws:policy\/service-role\/AWSIoTLogging/,
    ],
    [
      'a wrong-path ARN in modes',
      'version: 1\nmodes:\n  arn:aws:iam::aws:policy/AWSIoTLogging: alert\n',
      /modes field "arn:aws:iam::aws:policy\/AWSIoTLogging": .*wrong path/,
    ],
    [
      'conflicting modes keys',
      'version: 1\nmodes:\n  AWSIoTLogging: alert\n  service-role/AWSIoTLogging: remediate\n',
      /modes field "service-role\/AWSIoTLogging": conflicts with "AWSIoTLogging"/,
    ],
    ['a duplicate key', 'version: 1\nmode: alert\nmode: remediate\n', /not valid YAML or JSON/],
    ['broken YAML', 'version: 1\nallow:\n  - policy: [\n', /not valid YAML or JSON/],
    ['a list at the top', '- a\n- b\n', /expected a mapping/],
    ['an empty file', '', /expected a mapping/],
  ])('rejects %s, naming the place', (_case, text, message) => {
    const problems = problemsOf(text);
    expect(problems).toMatch(/^allow\.yml: invalid allowlist/);
    expect(problems).toMatch(message);
  });

  it('reports a bad permission-set ARN together with the schema problems of the same file', () => {
    const problems = problemsOf(
      'version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: ' +
        'permission-set/arn:aws:iam::123456789012:role/x\n    expires: 2020-02-30\n    reason: r\n',
    );
    expect(problems).toMatch(/2 problems/);
    expect(problems).toMatch(/field "expires"/);
    expect(problems).toMatch(/field "principal": "arn:aws:iam::123456789012:role\/x" is not a permission set ARN glob/);
  });

  it('refuses a suggested entry still holding its placeholder reason, naming the entry and the line', () => {
    const suggested = buildAlert({
      attachment: attachmentOf({
        eventId: 'e',
        eventTime: null,
        eventName: 'AttachRolePolicy',
        region: 'us-east-1',
        account: '123456789012',
        principal: { type: 'role', name: 'iot-app' },
        policyArn: 'arn:aws:iam::aws:policy/AWSIoTDataAccess',
        errorCode: null,
        errorMessage: null,
        actor: { type: null, arn: null, issuerArn: null, invokedBy: null, sourceIp: null, userAgent: null },
      }),
      decision: { verdict: 'violation', action: 'alert', rule: null, reason: 'no allowlist entry matches' },
      outcome: 'alert-only',
      mode: 'alert',
      handledAt: new Date('2026-11-26T12:00:00Z'),
    }).suggestedAllowlistEntry;
    const text =
      `version: 1\nallow:\n  - policy: AWSIoTFullAccess\n    principal: role/ok\n    reason: approved in ` +
      `SEC-1\n${suggested.replace(/^/gm, '  ')}`;
    expect(problemsOf(text)).toBe(
      'allow.yml: invalid allowlist (1 problem)\n' +
        `  - allow[1] (role/iot-app) field "reason": still the placeholder "${PLACEHOLDER_REASON}" of a suggested ` +
        `entry: write why this attachment is approved (line 9)`,
    );
    // However it is spelt, in JSON too, and alongside other problems of the same file.
    expect(
      problemsOf(
        JSON.stringify({
          version: 1,
          allow: [{ policy: 'AWSIoTDataAccess', principal: 'user/a', reason: ` ${PLACEHOLDER_REASON.toUpperCase()} ` }],
        }),
      ),
    ).toMatch(/allow\[0\] \(user\/a\) field "reason": still the placeholder/);
    expect(
      problemsOf(
        `version: 1\nallow:\n  - policy: AWSIoTDataAccess\n    principal: user/a\n    reason: ` +
          `"${PLACEHOLDER_REASON}"\n    typo: 1\n`,
      ),
    ).toMatch(/2 problems[\s\S]*"typo"[\s\S]*still the placeholder/);
    expect(() =>
      parseAllowlistJson(
        JSON.stringify({
          version: 1,
          allow: [{ policy: 'AWSIoTDataAccess', principal: 'user/a', reason: PLACEHOLDER_REASON }],
        }),
        'allow.json',
      ),
    ).toThrow(/line 1/);
    expect(
      parseAllowlist(text.replace(JSON.stringify(PLACEHOLDER_REASON), 'TODO list app, approved in SEC-2'), 'allow.yml')
        .allow,
    ).toHaveLength(2);
  });

  it('reports every problem of a file at once', () => {
    const problems = problemsOf(
      'version: 1\nallow:\n  - policy: Nope\n    principal: role/a\n    reason: r\n  - policy: AWSIoTDataAccess\n    ' +
        'principal: role/b\n',
    );
    expect(problems).toMatch(/2 problems/);
    expect(problems).toMatch(/allow\[0\] \(role\/a\) field "policy"/);
    expect(problems).toMatch(/allow\[1\] \(role\/b\) field "reason"/);
  });

  it('accepts a path-qualified name and a full ARN in any partition', () => {
    const list = parseAllowlist(
      'version: 1\nallow:\n  - policy: service-role/AWSIoTLogging\n    principal: role/a\n    reason: r\n  - policy: ' +
        'arn:aws-cn:iam::aws:policy/AWSIoTDataAccess\n    principal: role/b\n    reason: r\n',
      'allow.yml',
    );
    expect(list.allow).toHaveLength(2);
  });

  it('accepts permission sets by name glob or by ARN glob', () => {
    const list = parseAllowlist(
      `version: 1
allow:
  - policy: AWSIoTDataAccess
    principal: permission-set/IoT*Operators
    reason: operators
  - policy: AWSIoTFullAccess
    principal: "permission-set/arn:aws:sso:::permissionSet/ssoins-7223c9b1e4d5f6a7/ps-*"
    reason: the platform team's permission sets
`,
      'allow.yml',
    );
    expect(list.allow.map((e) => [e.principalType, e.matchesPrincipalBy])).toEqual([
      ['permission-set', 'name'],
      ['permission-set', 'arn'],
    ]);
    expect(list.allow[0]!.matchesPrincipalName('IoTFleetOperators')).toBe(true);
    expect(
      list.allow[1]!.matchesPrincipalName('arn:aws:sso:::permissionSet/ssoins-7223c9b1e4d5f6a7/ps-0a1b2c3d4e5f6a7b'),
    ).toBe(true);
    expect(
      list.allow[1]!.matchesPrincipalName('arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0a1b2c3d4e5f6a7b'),
    ).toBe(false);
  });
});

describe('parseAllowlistJson (how the functions read the allowlist the deploy ships)', () => {
  const outcome = (parse: () => Allowlist): unknown => {
    try {
      return { ok: JSON.parse(JSON.stringify({ ...parse(), source: null })) as unknown }; // the matchers drop out
    } catch (error) {
      expect(error).toBeInstanceOf(AllowlistError);
      return { error: (error as Error).message };
    }
  };

  it('compiles the document the YAML reader validated to the same allowlist', () => {
    const { allowlist, document } = parseAllowlistDocument(
      readFileSync('infra/allowlist.example.yml', 'utf8'),
      'example',
    );
    const list = parseAllowlistJson(JSON.stringify(document, null, 2), 'example');
    expect(outcome(() => list)).toEqual(outcome(() => allowlist));
    expect(list.allow.map((e) => e.expiresAt)).toEqual(allowlist.allow.map((e) => e.expiresAt));
    expect(list.allow[0]!.matchesPrincipalName('iot-ingest-eu')).toBe(
      allowlist.allow[0]!.matchesPrincipalName('iot-ingest-eu'),
    );
  });

  it('accepts and rejects what the YAML reader does for the same JSON text, with the same messages and lines', () => {
    const entry = fc.record(
      {
        policy: fc.constantFrom(
          'AWSIoTDataAccess',
          'AWSIoTFulAccess',
          '*',
          'service-role/AWSIoTLogging',
          'arn:aws:iam::aws:policy/AdministratorAccess',
          '',
        ),
        principal: fc.constantFrom(
          'role/iot-*',
          'user/alice',
          'thing/x',
          'permission-set/arn:aws:iam::*:role/x',
          'permission-set/Ops',
        ),
        account: fc.constantFrom('123456789012', 123456789012, '1234'),
        attachedBy: fc.constantFrom('arn:aws:iam::*:role/ci-*', ''),
        expires: fc.constantFrom('2027-01-31', '2027-02-30', 20270131),
        reason: fc.constantFrom('why', '', '  padded  ', 'braces {"a": [1]} and \\"quotes\\"'),
        ticket: fc.constantFrom('SEC-1', ''),
        principle: fc.constant('a typo'),
      },
      { requiredKeys: [] },
    );
    const file = fc.record(
      {
        version: fc.constantFrom(1, 2, '1'),
        mode: fc.constantFrom('alert', 'remediate', 'revert'),
        scope: fc.constantFrom('aws-iot', 'seed', 'all'),
        modes: fc.dictionary(
          fc.constantFrom('AWSIoTFullAccess', 'arn:aws:iam::aws:policy/AWSIoTFullAccess', '*', 'AWSIoTFulAccess'),
          fc.constantFrom('alert', 'remediate', 'dry-run'),
        ),
        allow: fc.oneof(fc.array(entry, { maxLength: 4 }), fc.constant('none')),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(file, fc.constantFrom(0, 2, 4), (content, indent) => {
        const text = JSON.stringify(content, null, indent);
        expect(outcome(() => parseAllowlistJson(text, 'a.json'))).toEqual(
          outcome(() => parseAllowlist(text, 'a.json')),
        );
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    [
      'at the top level',
      '{\n  "version": 1,\n  "mode": "remediate",\n  "mode": "alert"\n}',
      /top level field "mode": duplicate key "mode" \(JSON.parse would silently keep only the last\) \(line 4\)/,
    ],
    [
      'in an entry',
      '{"version": 1, "allow": [\n  {"policy": "*", "principal": "role/a", "reason": "r"},\n  {"policy": ' +
        '"AWSIoTFullAccess", "principal": "role/b", "reason": "r", "policy": "*"}\n]}',
      /allow\[1\] \(role\/b\) field "policy": duplicate key "policy" .* \(line 3\)/,
    ],
    [
      'in modes',
      '{"version": 1, "modes": {"AWSIoTFullAccess": "remediate", "AWSIoTFullAccess": "alert"}}',
      /modes field "AWSIoTFullAccess": duplicate key/,
    ],
    ['spelt with an escape', '{"version": 1, "allow": [], "\\u0061llow": []}', /duplicate key "allow"/],
  ])('rejects a key repeated %s, which JSON.parse would silently drop', (_, text, message) => {
    expect(() => parseAllowlistJson(text, 'a.json')).toThrow(AllowlistError);
    expect(() => parseAllowlistJson(text, 'a.json')).toThrow(message);
  });

  it('does not take keys inside strings, or the same key in two objects, for duplicates', () => {
    const text =
      '{"version": 1, "allow": [{"policy": "*", "principal": "role/a", "reason": "\\"policy\\": {\\"policy\\": 1}"}, ' +
      '{"policy": "*", "principal": "role/b", "reason": "r"}]}';
    expect(parseAllowlistJson(text, 'a.json').allow).toHaveLength(2);
  });

  it('reports a syntax error with its line, and reads a file with a byte order mark', () => {
    expect(() => parseAllowlistJson('{\n  "version": 1\n  "allow": []\n}', 'a.json')).toThrow(
      new RegExp(
        String.raw`^a\.json: invalid allowlist \(1 problem\)\n {2}- file: not valid JSON: ` +
          String.raw`Expected ',' or '}' after property value \(line 3\)$`,
      ),
    );
    expect(() => parseAllowlistJson('{\n  "version": 1,\n  "allow": [}\n', 'a.json')).toThrow(
      /^a\.json: invalid allowlist \(1 problem\)\n {2}- file: not valid JSON: Unexpected token '}'$/,
    );
    expect(parseAllowlistJson('\uFEFF{"version": 1}', 'a.json').allow).toEqual([]);
  });
});
