/**
 * What goes after `Bearer `: RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 * A token that is not one would corrupt the header or be sent as `Bearer undefined`.
 */
import { StepUpError } from './errors.js';
import type { ElevatedToken, TokenType } from './types.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export const isB64Token = (value: unknown): value is string => typeof value === 'string' && B64TOKEN.test(value);

/** A token and the scheme it is sent with. */
export interface Credential {
  readonly accessToken: string;
  readonly tokenType: TokenType;
}

const isTokenType = (value: unknown): value is TokenType => value === 'Bearer' || value === 'DPoP';

/**
 * `getToken` may answer `undefined` (send no token), a b64token (sent as Bearer), or
 * `{ accessToken, tokenType }`; a DPoP one only when the fetch has a DPoP key to prove it with.
 */
export function checkBaseline(value: unknown, hasDpopKey: boolean): Credential | undefined {
  if (value === undefined) return undefined;
  if (isB64Token(value)) return { accessToken: value, tokenType: 'Bearer' };
  const { accessToken, tokenType } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (!isB64Token(accessToken) || !isTokenType(tokenType)) {
    throw new StepUpError(
      'malformed_token',
      'getToken returned something that is not a token (RFC 6750 §2.1) or { accessToken, tokenType: "Bearer" | "DPoP" }',
    );
  }
  if (tokenType === 'DPoP' && !hasDpopKey) {
    throw new StepUpError(
      'malformed_token',
      'getToken returned a DPoP token, but the fetch has no dpop key to prove it',
    );
  }
  return { accessToken, tokenType };
}

/** What a `stepUp` resolved to, checked and copied: never trust a custom step-up's shape. */
export function checkElevated(value: unknown): ElevatedToken {
  if (typeof value !== 'object' || value === null) {
    throw new StepUpError('malformed_token', 'stepUp must resolve to { accessToken, expiresAt?, singleUse? }');
  }
  const { accessToken, expiresAt, singleUse, tokenType } = value as Record<string, unknown>;
  if (!isB64Token(accessToken)) {
    throw new StepUpError(
      'malformed_token',
      'stepUp resolved to an accessToken that is not a Bearer token (RFC 6750 §2.1)',
    );
  }
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
    throw new StepUpError('malformed_token', 'stepUp resolved to an expiresAt that is not a time in milliseconds');
  }
  if (singleUse !== undefined && typeof singleUse !== 'boolean') {
    throw new StepUpError('malformed_token', 'stepUp resolved to a singleUse that is not a boolean');
  }
  if (tokenType !== undefined && !isTokenType(tokenType)) {
    throw new StepUpError('malformed_token', 'stepUp resolved to a tokenType that is neither "Bearer" nor "DPoP"');
  }
  return {
    accessToken,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(singleUse === undefined ? {} : { singleUse }),
    ...(tokenType === undefined ? {} : { tokenType }),
  };
}
