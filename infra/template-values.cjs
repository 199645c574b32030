// Values serverless.yml computes with the project's TypeScript, e.g. `${file(infra/template-values.cjs):eventPattern}`:
// the event patterns of attach-guard's rules (IAM, IAM Identity Center), the detach statements and the sweep's list
// statement, generated from the policy catalog (governed-policies.ts), the tamper rules generated from the stack's
// names (tamper.ts), the heartbeat alarm's period (heartbeat.ts), and the checked stage parameters (stage-params.ts).
// osls loads variable files with require() and the sources are TypeScript (ESM), so this CommonJS shim bundles them
// with esbuild (a dev dependency, as osls is) into memory and evaluates the bundle: no generated file to go stale.
'use strict';

const Module = require('node:module');
const path = require('node:path');
const { buildSync } = require('esbuild');

let values;
function load() {
  if (values) return values;
  const filename = path.join(__dirname, 'template-values.bundle.cjs');
  const { outputFiles } = buildSync({
    stdin: {
      contents:
        "export * from './governed-policies.ts'; export * from './stage-params.ts'; export * from " +
        "'./tamper.ts'; export * from './heartbeat.ts';",
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'error',
  });
  const bundle = new Module(filename, module);
  bundle.filename = filename;
  bundle._compile(outputFiles[0].text, filename);
  values = bundle.exports;
  return values;
}

// osls prints a rejection with its stack; a bad parameter needs only the message.
const param =
  (name, check) =>
  async ({ resolveVariable }) => {
    try {
      return check(await resolveVariable(`param:${name}`));
    } catch (error) {
      if (error && error.name === 'StageParamError') error.stack = error.message;
      throw error;
    }
  };

// A value computed from several parameters (and variables such as sls:stage), by name.
const fromVariables =
  (names, compute) =>
  async ({ resolveVariable }) => {
    try {
      const resolved = [];
      for (const name of names) resolved.push(await resolveVariable(name.includes(':') ? name : `param:${name}`));
      return compute(...resolved);
    } catch (error) {
      if (error && error.name === 'StageParamError') error.stack = error.message;
      throw error;
    }
  };

// The watchTrail parameter, checked with createTrail and the name of the trail the stack creates (infra/trail.yml).
const trail =
  (compute) =>
  async ({ resolveVariable }) => {
    try {
      const own = `${await resolveVariable('self:service')}-${await resolveVariable('sls:stage')}`;
      return compute(await resolveVariable('param:watchTrail'), await resolveVariable('param:createTrail'), own);
    } catch (error) {
      if (error && error.name === 'StageParamError') error.stack = error.message;
      throw error;
    }
  };

// A parameter checked together with memberRoleName.
const withRole = (name, check) => fromVariables([name, 'memberRoleName'], check);

module.exports = {
  eventPattern: () => load().toCloudFormation(load().attachEventPattern()),
  permissionSetEventPattern: () => load().toCloudFormation(load().permissionSetEventPattern()),
  detachStatements: () => load().toCloudFormation(load().detachPolicyStatements()),
  listStatements: () => load().toCloudFormation(load().listPolicyStatements()),
  mode: param('mode', (value) => {
    load().checkParamNames(process.argv);
    return load().checkMode(value);
  }),
  stage: async ({ resolveVariable }) => {
    try {
      return load().checkStage(await resolveVariable('sls:stage'));
    } catch (error) {
      if (error && error.name === 'StageParamError') error.stack = error.message;
      throw error;
    }
  },
  createTrail: param('createTrail', (value) => load().checkCreateTrail(value)),
  chatTopic: param('chatTopic', (value) => load().checkChatTopic(value)),
  // Checks the allowlist file and writes it compiled to JSON (.build/…json), which the functions ship and read.
  shippedAllowlist: param('allowlist', (value) => load().writeShippedAllowlist(value, path.dirname(__dirname))),
  alertEmail: param('alertEmail', (value) => load().checkAlertEmail(value, load().oslsCommand(process.argv))),
  findingsBus: param('findingsBus', (value) => load().checkFindingsBus(value)),
  logLevel: param('logLevel', (value) => load().checkLogLevel(value)),
  staleAfter: param('staleAfter', (value) => load().checkStaleAfter(value)),
  sweepSchedule: param('sweepSchedule', (value) => load().checkSweepSchedule(value)),
  organizationId: withRole('organizationId', (value, role) => load().checkOrganizationId(value, role)),
  memberRoleName: param('memberRoleName', (value) => load().checkMemberRoleName(value)),
  memberExternalId: withRole('memberExternalId', (value, role) => load().checkMemberExternalId(value, role)),
  sweepAccounts: withRole('sweepAccounts', (value, role) => load().checkSweepAccounts(value, role)),
  identityCenterRegion: param('identityCenterRegion', (value) => load().checkIdentityCenterRegion(value)),
  // The sweep's self-check: the trail it watches (name or ARN, or ""), and its ARN (Fn::Sub for a name).
  watchedTrail: trail((watch, create, own) => load().watchedTrail(watch, create, own)),
  watchedTrailArn: trail((watch, create, own) => load().toCloudFormation(load().watchedTrailArn(watch, create, own))),
  memberReadRoleName: param('memberRoleName', (value) => load().memberReadRoleName(value)),
  deployerRoleArn: param('deployerRoleArn', (value) => load().checkDeployerRoleArn(value)),
  operatorRoleArns: fromVariables(['operatorRoleArns', 'deployerRoleArn'], (value, deployer) =>
    load().checkOperatorRoleArns(value, deployer),
  ),
  // The deployer and the operators, comma-separated: what the topic, queue and key policies single out.
  adminPrincipalArns: fromVariables(['deployerRoleArn', 'operatorRoleArns'], (deployer, operators) =>
    load().adminPrincipalArns(deployer, operators),
  ),
  heartbeatPeriod: param('sweepSchedule', (value) => load().heartbeatPeriodSeconds(value)),
  // The tamper rules, generated from the stack's names (infra/tamper.ts), as a `resources` entry.
  tamperResources: fromVariables(
    ['self:service', 'sls:stage', 'memberRoleName', 'chatTopic'],
    (service, stage, role, chat) =>
      load().tamperResources(
        service,
        load().checkStage(stage),
        load().checkMemberRoleName(role),
        load().checkChatTopic(chat),
      ),
  ),
};
