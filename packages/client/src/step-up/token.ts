/**
 * What goes after `Bearer `: RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 * A token that is not one would corrupt the header or be sent as `Bearer undefined`.
 */
import { StepUpError } from './errors.js';
import type { ElevatedToken } from './types.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export const isB64Token = (value: unknown): value is string => typeof value === 'string' && B64TOKEN.test(value);

/** `getToken` may answer `undefined` (send no token); anything else must be a b64token. */
export function checkBaseline(value: unknown): string | undefined {
  if (value === undefined || isB64Token(value)) return value;
  throw new StepUpError('malformed_token', 'getToken returned something that is not a Bearer token (RFC 6750 §2.1)');
}

/** What a `stepUp` resolved to, checked and copied: never trust a custom step-up's shape. */
export function checkElevated(value: unknown): ElevatedToken {
  if (typeof value !== 'object' || value === null) {
    throw new StepUpError('malformed_token', 'stepUp must resolve to { accessToken, expiresAt?, singleUse? }');
  }
  const { accessToken, expiresAt, singleUse } = value as Record<string, unknown>;
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
  return {
    accessToken,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(singleUse === undefined ? {} : { singleUse }),
  };
}
