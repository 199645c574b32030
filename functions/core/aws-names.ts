/**
 * The AWS names the configuration is checked for twice: in the functions' environment at cold start
 * (config/guard-config.ts) and in the deploy's stage parameters (infra/stage-params.ts). One rule each, so that the
 * deploy never accepts a value the functions then refuse at every cold start.
 */

/** What an STS external id may be, for messages. */
export const EXTERNAL_ID_RULE = '2 to 1224 characters of letters, digits and +=,.@:/-';
/** The longest IAM role name. */
export const ROLE_NAME_MAX = 64;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_NAME = /^[\w+=,.@-]+$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** An AWS Region name: eu-west-1, us-gov-west-1, cn-north-1. */
export const isRegion = (text: string): boolean => REGION.test(text);

/** An IAM role name (letters, digits and +=,.@_-) of at most `maxLength` characters. */
export const isRoleName = (text: string, maxLength = ROLE_NAME_MAX): boolean =>
  text.length >= 1 && text.length <= maxLength && ROLE_NAME.test(text);

/** An STS external id (EXTERNAL_ID_RULE). */
export const isExternalId = (text: string): boolean => EXTERNAL_ID.test(text);

/** A 12-digit AWS account id. */
export const isAccountId = (text: string): boolean => ACCOUNT_ID.test(text);
