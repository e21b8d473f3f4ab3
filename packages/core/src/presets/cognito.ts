/**
 * Amazon Cognito user pools. Access tokens
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html)
 * have a header with `kid` and `alg` only (no `typ`); claims `iss`
 * `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, `sub`, `token_use: "access"`,
 * `scope` a string, `client_id` (the app client), `jti`, `iat`, `exp`, and NO `aud`. ID tokens
 * carry `aud` (the app client) and `token_use: "id"` instead. So the audience is checked
 * against `client_id`, and `token_use` must be `access`
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
 * Keys: `{issuer}/.well-known/jwks.json`.
 */
import { ConfigurationError } from '../errors.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, object } from './common.js';

/** Options of {@link cognito}. */
export interface CognitoOptions {
  /** The AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** The user pool id, e.g. `eu-west-1_AbCdEf123`. */
  readonly userPoolId: string;
  /** The app client ids whose access tokens this API accepts. */
  readonly clientIds: string | readonly string[];
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d{1,2}_[0-9A-Za-z]{1,55}$/;

/**
 * Issuer options for an Amazon Cognito user pool. Its access tokens have no `aud`, so the app
 * client ids are checked against `client_id`, and `token_use` must be `access`.
 *
 * @throws ConfigurationError naming the `cognito()` option at fault.
 */
export function cognito(options: CognitoOptions): IssuerOptions {
  const given = object('cognito()', options);
  const region = given.region;
  if (typeof region !== 'string' || !REGION.test(region))
    throw new ConfigurationError('cognito().region', 'must be an AWS region such as eu-west-1');
  const pool = given.userPoolId;
  if (typeof pool !== 'string' || !POOL_ID.test(pool) || !pool.startsWith(`${region}_`))
    throw new ConfigurationError(
      'cognito().userPoolId',
      `must be a user pool id of region ${region}, such as ${region}_AbCdEf123`,
    );
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${pool}`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    audience: audienceList('cognito().clientIds', given.clientIds, "['1example23456789'] (app client ids)"),
    audienceClaim: 'client_id',
    // A deliberate deviation from RFC 9068 §4: Cognito's access tokens carry no typ header;
    // `token_use` tells them from ID tokens.
    tokenTypes: [null],
    requiredClaims: ['iss', 'sub', 'exp', 'iat', 'client_id', 'token_use', 'jti'],
    claimValues: { token_use: 'access' },
    scopes: ['scope'],
  };
}
