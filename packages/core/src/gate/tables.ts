/**
 * The action-independent refusals, rendered once per scheme a request can use: RFC 9449 §7.1
 * puts the error in the challenge of the scheme the request used, so a gate that offers Bearer
 * and DPoP has one table for each.
 */
import type { RefusalCode } from '../challenge/codes.js';
import {
  buildCommonRefusals,
  type ChallengeOptions,
  type ChallengeSchemes,
  type Refusal,
} from '../challenge/refusal.js';

export type RefusalTables = Readonly<Record<'bearer' | 'dpop', Readonly<Record<RefusalCode, Refusal>>>>;

export function refusalTables(challenge: ChallengeOptions, schemes: ChallengeSchemes): RefusalTables {
  const bearer = buildCommonRefusals({ ...challenge, schemes, used: 'bearer' });
  return Object.freeze({
    bearer,
    dpop: schemes === 'bearer' ? bearer : buildCommonRefusals({ ...challenge, schemes, used: 'dpop' }),
  });
}
