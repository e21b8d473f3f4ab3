import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { DecisionEvent } from '../audit/index.js';
import { UnknownActionError } from '../errors.js';
import { MemoryRevocationStore } from '../revocation/index.js';
import type { Decision } from './types.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'], maxTokenAge: 300 },
  once: { scopes: ['invoices:read'], singleUse: true },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

describe('gate.decideNow', () => {
  it('answers a cached token synchronously, with the same decision decide() resolves to', async () => {
    const gate = testGate(issuer, actions);
    const facts = bearer(await issuer.mint({ scope: 'invoices:read', jti: 'j-now' }));
    const first = gate.decideNow('read', facts);
    // The first sight of a token verifies its signature: that waits.
    expect(isPromise(first)).toBe(true);
    expect((await first).allow).toBe(true);
    const again = gate.decideNow('read', { ...facts, authorization: `Bearer ${facts.authorization?.slice(7)}` });
    expect(isPromise(again)).toBe(false);
    expect(again).toEqual(await gate.decide('read', facts));
    expect((again as Decision).allow && (again as { auth: { action: string } }).auth.action).toBe('read');
  });

  it('refuses a cached token synchronously when the action asks for more, byte for byte like decide()', async () => {
    const gate = testGate(issuer, actions);
    const facts = bearer(await issuer.mint({ scope: 'invoices:read' }));
    await gate.decideNow('read', facts);
    const refused = gate.decideNow('refund', facts);
    expect(isPromise(refused)).toBe(false);
    expect(refused).toEqual(await gate.decide('refund', facts));
    expect((refused as Decision).allow).toBe(false);
    expect(refused).toMatchObject({ status: 403, code: 'scope_missing', body: { error: 'insufficient_scope' } });
  });

  it('answers the refusals that need no token synchronously (missing, malformed, repeated)', () => {
    const gate = testGate(issuer, actions);
    for (const [facts, status] of [
      [{ method: 'GET', path: '/x', authorization: undefined }, 401],
      [{ method: 'GET', path: '/x', authorization: 'Bearer a b' }, 400],
      [{ method: 'GET', path: '/x', authorization: ['Bearer a', 'Bearer b'] }, 400],
    ] as const) {
      const decision = gate.decideNow('read', facts);
      expect(isPromise(decision)).toBe(false);
      expect((decision as Decision).allow).toBe(false);
      expect((decision as { status: number }).status).toBe(status);
    }
  });

  it('never answers a bad signature synchronously as an allow, even under a cached token’s end', async () => {
    const gate = testGate(issuer, actions);
    const token = await issuer.mint({ scope: 'invoices:read' });
    await gate.decideNow('read', bearer(token));
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from('{"scope":"invoices:read payments:refund"}').toString('base64url')}.${signature}`;
    const decision = await gate.decideNow('refund', bearer(forged));
    expect(decision).toMatchObject({ allow: false, status: 401, code: 'token_signature' });
  });

  it('waits when a per-request stage needs a store: single use, revocation', async () => {
    const revocation = new MemoryRevocationStore();
    const gate = testGate(issuer, actions, { revocation });
    const facts = bearer(await issuer.mint({ scope: 'invoices:read', jti: 'j-once' }));
    await gate.decide('read', facts);
    const read = gate.decideNow('read', facts);
    expect(isPromise(read)).toBe(true);
    expect((await read).allow).toBe(true);
    const once = gate.decideNow('once', facts);
    expect(isPromise(once)).toBe(true);
    expect((await once).allow).toBe(true);
    expect(await gate.decideNow('once', facts)).toMatchObject({ allow: false, status: 401 });
    await revocation.revoke({ jti: 'j-once' });
    expect(await gate.decideNow('read', facts)).toMatchObject({ allow: false, status: 401, code: 'token_revoked' });
  });

  it('emits one audit event for a synchronous decision, as for any other', async () => {
    const events: DecisionEvent[] = [];
    const gate = testGate(issuer, actions, { onDecision: (event) => void events.push(event) });
    const facts = bearer(await issuer.mint({ scope: 'invoices:read' }));
    await gate.decide('read', facts);
    const decision = gate.decideNow('read', facts);
    expect(isPromise(decision)).toBe(false);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ action: 'read', outcome: 'allow' });
    expect(events[1]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('throws UnknownActionError synchronously for an undeclared name; decide() rejects with it', async () => {
    const gate = testGate(issuer, actions);
    expect(() => gate.decideNow('nope' as 'read', { method: 'GET', path: '/x', authorization: undefined })).toThrow(
      UnknownActionError,
    );
    await expect(
      gate.decide('nope' as 'read', { method: 'GET', path: '/x', authorization: undefined }),
    ).rejects.toThrow(UnknownActionError);
  });

  it('turns a throwing context hook into a 500 refusal, never a throw', async () => {
    const gate = testGate(
      issuer,
      defineActions({
        read: {
          scopes: ['invoices:read'],
          check: () => {
            throw new Error('boom');
          },
        },
      }),
    );
    const facts = bearer(await issuer.mint({ scope: 'invoices:read' }));
    await gate.decide('read', facts);
    expect(await gate.decideNow('read', facts)).toMatchObject({ allow: false, status: 500 });
  });
});
