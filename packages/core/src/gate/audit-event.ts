import type { DecisionEvent } from '../audit/index.js';
import type { RequestFacts } from '../facts.js';
import type { VerifiedToken } from '../verify/index.js';
import type { Decision } from './index.js';
import type { PreparedAction } from './prepare.js';

/** The audit event for one decision: who asked for what and what they got, never the token. */
export function auditEvent(
  entry: PreparedAction,
  facts: RequestFacts,
  decision: Decision,
  token: VerifiedToken | undefined,
  durationMs: number,
  cause: unknown,
): DecisionEvent {
  const claims = token?.claims;
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
    ...(typeof claims?.client_id === 'string' ? { clientId: claims.client_id } : {}),
    ...(typeof claims?.jti === 'string' ? { jti: claims.jti } : {}),
    ...(token !== undefined ? { issuer: token.issuer } : {}),
    requiredScopes: entry.action.challengeScope,
    grantedScopes: token === undefined ? [] : [...token.scopes],
    durationMs,
    ...(cause !== undefined ? { cause } : {}),
  };
}
