import type { JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { RefusalCode } from '../challenge/codes.js';
import { checkTimes, claimRefusal, RFC9068_REQUIRED_CLAIMS } from './claims.js';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const read = { scope: 'invoices:read' };
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

async function codeFor(claims: Record<string, unknown>, options = {}): Promise<RefusalCode | 'allowed'> {
  const gate = testGate(issuer, actions, { now: () => NOW, ...options });
  const decision = await gate.decide('read', bearer(await issuer.mint({ ...read, ...claims })));
  return decision.allow ? 'allowed' : decision.code;
}

describe('verification: claims, through a gate (tolerance 60 s)', () => {
  it.each([
    ['a wrong iss', { iss: 'https://evil.test' }, 'token_issuer'],
    ['iss with a trailing slash', { iss: 'https://as.test/' }, 'token_issuer'],
    ['aud without the resource', { aud: 'https://other.test' }, 'token_audience'],
    ['aud an array with the resource', { aud: ['https://other.test', RESOURCE] }, 'allowed'],
    ['aud an array without the resource', { aud: ['https://other.test'] }, 'token_audience'],
    ['aud an array with the resource and a number', { aud: [RESOURCE, 1] }, 'token_claims'],
    // Kept as the attack corpus (test/attack/corpus.ts) has it: `jose` answers a mistyped aud as foreign.
    ['aud an object', { aud: { value: RESOURCE } }, 'token_audience'],
    ['exp exactly 60 s ago', { exp: now - 60 }, 'token_expired'],
    ['exp 59 s ago', { exp: now - 59 }, 'allowed'],
    ['nbf 61 s ahead', { nbf: now + 61 }, 'token_not_yet_valid'],
    ['nbf 60 s ahead', { nbf: now + 60 }, 'allowed'],
    ['iat 61 s ahead', { iat: now + 61 }, 'token_not_yet_valid'],
    ['iat 60 s ahead', { iat: now + 60 }, 'allowed'],
    ['auth_time 61 s ahead', { auth_time: now + 61 }, 'token_not_yet_valid'],
    ['auth_time 60 s ahead', { auth_time: now + 60 }, 'allowed'],
    ['a numeric sub', { sub: 1 }, 'token_claims'],
    ['a string exp', { exp: String(now + 300) }, 'token_claims'],
    ['a string iat', { iat: String(now) }, 'token_claims'],
    ['a string nbf', { nbf: '0' }, 'token_claims'],
    ['a numeric jti', { jti: 7 }, 'token_claims'],
    ['an object client_id', { client_id: {} }, 'token_claims'],
    ['a numeric acr', { acr: 2 }, 'token_claims'],
    ['a string auth_time', { auth_time: String(now) }, 'token_claims'],
    ['scope an array', { scope: ['invoices:read'] }, 'token_claims'],
    ['scope a number', { scope: 1 }, 'token_claims'],
    ['scope null', { scope: null }, 'token_claims'],
    ['a negative iat', { iat: -1 }, 'allowed'],
    ['a huge exp', { exp: 1e300 }, 'allowed'],
  ])('%s: %s', async (_, claims, code) => {
    expect(await codeFor(claims)).toBe(code);
  });

  it.each(RFC9068_REQUIRED_CLAIMS)('refuses a token without %s (RFC 9068 §2.2)', async (claim) => {
    expect(await codeFor({ [claim]: undefined })).toBe('token_claims');
  });

  it('applies the configured tolerance, exp being expired at exactly now - tolerance', async () => {
    expect(await codeFor({ exp: now }, { clockTolerance: 0 })).toBe('token_expired');
    expect(await codeFor({ exp: now + 1 }, { clockTolerance: 0 })).toBe('allowed');
    expect(await codeFor({ nbf: now + 1 }, { clockTolerance: 0 })).toBe('token_not_yet_valid');
    expect(await codeFor({ exp: now - 299 }, { clockTolerance: 300 })).toBe('allowed');
  });

  it('requires only the configured claims', async () => {
    expect(await codeFor({ jti: undefined, client_id: undefined }, { requiredClaims: ['iss', 'exp', 'aud'] })).toBe(
      'allowed',
    );
    expect(await codeFor({ acr: undefined }, { requiredClaims: [...RFC9068_REQUIRED_CLAIMS, 'acr'] })).toBe(
      'token_claims',
    );
  });
});

describe('claimRefusal and checkTimes', () => {
  const valid = { iss: 'i', aud: 'a', sub: 's', client_id: 'c', iat: now, exp: now + 60, jti: 'j' };

  it('passes valid claims and refuses each missing required one', () => {
    expect(claimRefusal(valid, RFC9068_REQUIRED_CLAIMS, now, 60)).toBeUndefined();
    for (const claim of RFC9068_REQUIRED_CLAIMS) {
      const { [claim as keyof typeof valid]: _, ...without } = valid;
      expect(claimRefusal(without, RFC9068_REQUIRED_CLAIMS, now, 60)?.reason, claim).toBe('token_claims');
    }
  });

  it.each([
    ['aud empty', { aud: [] }],
    ['aud an object', { aud: {} }],
    ['iss a number', { iss: 1 }],
    ['exp infinite', { exp: Number.POSITIVE_INFINITY }],
    ['exp NaN', { exp: Number.NaN }],
    ['azp a number', { azp: 1 }],
  ])('refuses %s', (_, change) => {
    expect(claimRefusal({ ...valid, ...change } as JWTPayload, [], now, 60)?.reason).toBe('token_claims');
  });

  it('checks times with jose’s boundaries: exp <= now - tolerance, nbf/iat/auth_time > now + tolerance', () => {
    expect(checkTimes({ exp: now - 60 }, now, 60)).toBe('token_expired');
    expect(checkTimes({ exp: now - 59 }, now, 60)).toBeUndefined();
    expect(checkTimes({ nbf: now + 61 }, now, 60)).toBe('token_not_yet_valid');
    expect(checkTimes({ nbf: now + 60 }, now, 60)).toBeUndefined();
    expect(checkTimes({ iat: now + 61 }, now, 60)).toBe('token_not_yet_valid');
    expect(checkTimes({ auth_time: now + 61 }, now, 60)).toBe('token_not_yet_valid');
    expect(checkTimes({}, now, 60)).toBeUndefined();
  });
});

describe('claimRefusal: the claim at fault, for the audit event', () => {
  const base: JWTPayload = { iss: 'i', sub: 's', aud: 'a', exp: now + 60, iat: now, client_id: 'c', jti: 'j' };

  it('names the first missing required claim', () => {
    const { jti: _jti, ...noJti } = base;
    expect(claimRefusal(noJti, RFC9068_REQUIRED_CLAIMS, now, 60)).toEqual({
      reason: 'token_claims',
      detail: { claim: 'jti', problem: 'missing' },
    });
  });

  it.each([
    ['exp', 'soon', 'string', 'number'],
    ['aud', [], 'array', 'string or non-empty array of strings'],
    ['cid', 1, 'number', 'string'],
    ['uti', null, 'null', 'string'],
  ])('names %s of the wrong type by its JSON type', (claim, value, found, expected) => {
    expect(claimRefusal({ ...base, [claim]: value }, [], now, 60)).toEqual({
      reason: 'token_claims',
      detail: { claim, problem: 'wrong_type', found, expected: [expected] },
    });
  });

  it('gives a time refusal without detail, and nothing for good claims', () => {
    expect(claimRefusal({ ...base, exp: now - 61 }, [], now, 60)).toEqual({ reason: 'token_expired' });
    expect(claimRefusal(base, RFC9068_REQUIRED_CLAIMS, now, 60)).toBeUndefined();
  });
});
