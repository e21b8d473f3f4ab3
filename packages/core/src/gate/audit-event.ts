import { missing, type RefusalDetail } from '../audit/detail.js';
import type { DecisionEvent } from '../audit/index.js';
import type { RequestFacts } from '../facts.js';
import type { VerifiedToken } from '../verify/index.js';
import type { PreparedAction } from './prepare.js';
import type { Decision } from './types.js';

const NO_TOKEN_ID: RefusalDetail = Object.freeze({
  ...missing('jti'),
  hint: "single-use actions need the token's id: jti, or uti with the issuer's tokenIdClaim",
});

/** The audit event for one decision: who asked for what and what they got, never the token. */
export function auditEvent(
  entry: PreparedAction,
  facts: RequestFacts,
  decision: Decision,
  token: VerifiedToken | undefined,
  durationMs: number,
  cause: unknown,
  detail?: RefusalDetail,
): DecisionEvent {
  const claims = token?.claims;
  const clientId = token?.clientId ?? claims?.client_id;
  const jti = token?.tokenId ?? claims?.jti;
  // A verified token refused as token_claims lacked the token id a single-use action needs.
  const why =
    detail ?? (!decision.allow && decision.code === 'token_claims' && token !== undefined ? NO_TOKEN_ID : undefined);
  return {
    action: entry.action.name,
    outcome: decision.allow ? 'allow' : 'refuse',
    ...(decision.allow
      ? {}
      : {
          status: decision.status,
          code: decision.code,
          ...(decision.body.error ? { error: decision.body.error } : {}),
        }),
    method: facts.method,
    path: facts.path,
    ...(typeof claims?.sub === 'string' ? { sub: claims.sub } : {}),
    ...(typeof clientId === 'string' ? { clientId } : {}),
    ...(typeof jti === 'string' ? { jti } : {}),
    ...(token !== undefined ? { issuer: token.issuer } : {}),
    requiredScopes: entry.action.challengeScope,
    grantedScopes: token === undefined ? [] : [...token.scopes],
    durationMs,
    ...(why !== undefined ? { detail: why } : {}),
    ...(cause !== undefined ? { cause } : {}),
  };
}
