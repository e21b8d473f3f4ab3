import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore } from '../replay/types.js';

let now = Date.now();
const clock = () => now;
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer(clock);
});
const actions = defineActions({
  export: { scopes: ['invoices:export'], uses: { max: 3, within: 300 } },
  exportForever: { scopes: ['invoices:export'], uses: { max: 2 } },
  read: { scopes: ['invoices:export'] },
});
const mint = (claims = {}) => issuer.mint({ scope: 'invoices:export', ...claims });

async function codes(gate: ReturnType<typeof testGate>, action: string, token: string, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const decision = await gate.decide(action, bearer(token));
    out.push(decision.allow ? 'allow' : decision.code);
  }
  return out;
}

describe('use budgets', () => {
  it('allows the n-th use and refuses the n+1-th with 403 insufficient_scope budget_spent', async () => {
    const gate = testGate(issuer, actions, { now: clock });
    const token = await mint();
    expect(await codes(gate, 'export', token, 3)).toEqual(['allow', 'allow', 'allow']);
    const fourth = await gate.decide('export', bearer(token));
    if (fourth.allow) throw new Error('a fourth use was allowed');
    expect(fourth.status).toBe(403);
    expect(fourth.code).toBe('budget_spent');
    expect(fourth.headers['www-authenticate']).toBe(
      'Bearer realm="test", error="insufficient_scope", scope="invoices:export", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The access token has no uses of this action left; a new grant is needed"',
    );
    // The token keeps working for everything else, and each action has a budget of its own.
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    expect(await codes(gate, 'exportForever', token, 3)).toEqual(['allow', 'allow', 'budget_spent']);
    // Another token, another budget.
    expect(await codes(gate, 'export', await mint(), 1)).toEqual(['allow']);
  });

  it('spends the budget when the window from the first use has passed, whatever is left', async () => {
    now = Date.now();
    const gate = testGate(issuer, actions, { now: clock, clockTolerance: 0 });
    const token = await issuer.mint({ scope: 'invoices:export', exp: Math.floor(now / 1000) + 3600 });
    expect(await codes(gate, 'export', token, 1)).toEqual(['allow']);
    now += 299_999;
    expect(await codes(gate, 'export', token, 1)).toEqual(['allow']); // the last millisecond of the window
    now += 1;
    expect(await codes(gate, 'export', token, 1)).toEqual(['budget_spent']);
    now += 3_600_000; // long after: still spent, never a fresh budget for the same token
    const late = await gate.decide('export', bearer(token));
    expect(late.allow).toBe(false);
  });

  it('does not count a use the request was refused before (scope, step-up)', async () => {
    now = Date.now();
    const gate = testGate(issuer, actions, { now: clock });
    const jti = 'budget-jti';
    const weak = await issuer.mint({ scope: 'other', jti });
    expect(await codes(gate, 'export', weak, 5)).toEqual(Array(5).fill('scope_missing'));
    expect(await codes(gate, 'export', await mint({ jti }), 4)).toEqual(['allow', 'allow', 'allow', 'budget_spent']);
  });

  it('of 50 concurrent requests with max 3, exactly 3 are allowed (memory store)', async () => {
    now = Date.now();
    const gate = testGate(issuer, actions, { now: clock });
    const token = await mint();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => gate.decide('export', bearer(token))));
    const allowed = decisions.filter((d) => d.allow).length;
    console.log(`[measure] memory budget race: 50 concurrent, max 3 -> ${allowed} allowed`);
    expect(allowed).toBe(3);
    expect(decisions.filter((d) => !d.allow && d.code === 'budget_spent')).toHaveLength(47);
  });

  it('a store that fails or answers late is a 503, and the use is undone: the retry is allowed', async () => {
    now = Date.now();
    const inner = new MemoryReplayStore();
    let mode: 'fail' | 'late' | 'lie' | 'ok' = 'fail';
    const released: string[] = [];
    const store: ReplayStore = {
      consume: (key, use) => inner.consume(key, use),
      release: async (key, attempt) => {
        released.push(attempt);
        await inner.release(key, attempt);
      },
      spend: async (key, use) => {
        if (mode === 'fail') throw new Error('ECONNRESET');
        if (mode === 'lie') return 'OK' as never;
        const result = await (inner.spend as NonNullable<ReplayStore['spend']>).call(inner, key, use);
        if (mode === 'late') await new Promise((resolve) => setTimeout(resolve, 100)); // counted, answered late
        return result;
      },
    };
    const gate = testGate(issuer, defineActions({ export: { scopes: ['invoices:export'], uses: { max: 1 } } }), {
      now: clock,
      replayStore: store,
      replayTimeout: 20,
    });
    const token = await mint();
    for (const failing of ['fail', 'late', 'lie'] as const) {
      mode = failing;
      const decision = await gate.decide('export', bearer(token));
      expect(decision.allow ? 'allow' : `${decision.status} ${decision.code}`).toBe('503 replay_store_unavailable');
    }
    await new Promise((resolve) => setTimeout(resolve, 150)); // the late use has been counted and undone
    expect(released).toHaveLength(3);
    mode = 'ok';
    expect(await codes(gate, 'export', token, 2)).toEqual(['allow', 'budget_spent']);
  });

  it('refuses a token without jti as invalid', async () => {
    const gate = testGate(issuer, actions, { now: clock });
    expect(await codes(gate, 'export', await mint({ jti: undefined }), 1)).toEqual(['token_claims']);
  });

  it('fails at start-up on a bad budget, or a replay store that cannot count', () => {
    const bad =
      (uses: unknown, extra: object = {}) =>
      () =>
        defineActions({ a: { scopes: [], uses: uses as never, ...extra } });
    expect(bad({ max: 0 })).toThrow(/actions\.a\.uses\.max/);
    expect(bad({ max: 1.5 })).toThrow(ConfigurationError);
    expect(bad({ max: 10_001 })).toThrow(ConfigurationError);
    expect(bad({ max: 3, within: 0 })).toThrow(/actions\.a\.uses\.within/);
    expect(bad({ max: 3, within: '300' })).toThrow(ConfigurationError);
    expect(bad({ max: 3, window: 300 })).toThrow(/actions\.a\.uses\.window/);
    expect(bad(3)).toThrow(ConfigurationError);
    expect(bad({ max: 3 }, { singleUse: true })).toThrow(/cannot be combined with singleUse/);
    const noSpend: ReplayStore = { consume: async () => ({ first: true }), release: async () => {} };
    expect(() => testGate(issuer, actions, { replayStore: noSpend })).toThrow(/spend/);
  });
});
