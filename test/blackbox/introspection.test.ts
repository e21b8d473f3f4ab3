/**
 * Opaque tokens (shared/invoice-api.md, "Sender-constrained and opaque tokens"): with
 * INTROSPECTION_URL, INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET set, a token that
 * is not a JWT is checked at that RFC 7662 endpoint (client_secret_basic), and an active answer
 * stands for the token's claims under every rule a JWT meets. The endpoint is the test's own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, expectUnavailable, refusal } from './support/challenge.js';
import { EXAMPLES, type ExampleName, runToExit } from './support/example.js';
import { type Fixture, useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import {
  type IntrospectionServer,
  RS_CLIENT_ID,
  RS_CLIENT_SECRET,
  startIntrospectionServer,
} from './support/introspection-server.js';
import { ISSUER, MFA } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);

interface Introspected {
  readonly as: () => IntrospectionServer;
  readonly fx: Fixture;
  /** A fresh opaque token the endpoint calls active with these members over sound defaults. */
  readonly opaque: (members?: Record<string, unknown>) => string;
}

/** An example with its own introspection endpoint, started before the block's tests and stopped after. */
function useIntrospectedExample(name: ExampleName): Introspected {
  let as: IntrospectionServer;
  beforeAll(async () => {
    as = await startIntrospectionServer();
  });
  afterAll(async () => {
    await as?.close();
  });
  const fx = useExample(name, () => ({
    INTROSPECTION_URL: as.url,
    INTROSPECTION_CLIENT_ID: RS_CLIENT_ID,
    INTROSPECTION_CLIENT_SECRET: RS_CLIENT_SECRET,
  }));
  function opaque(members: Record<string, unknown> = {}): string {
    const token = `opq_${randomUUID().replaceAll('-', '')}`;
    as.answers.set(token, () => {
      const answer: Record<string, unknown> = {
        iss: ISSUER,
        aud: fx.url,
        sub: 'user-1',
        client_id: 'client-1',
        exp: now() + 300,
        iat: now(),
        scope: 'invoices:read',
        token_type: 'Bearer',
        ...members,
      };
      for (const key of Object.keys(answer)) if (answer[key] === undefined) delete answer[key];
      return answer;
    });
    return token;
  }
  return { as: () => as, fx, opaque };
}

describe.each(EXAMPLES)('%s: opaque tokens through introspection', (name) => {
  const { fx, opaque, as } = useIntrospectedExample(name);

  it('an active token with the scope reads invoices, asking the endpoint once for repeated requests', async () => {
    const token = opaque();
    for (let i = 0; i < 3; i++) expect((await send(fx.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
    expect(as().asked.filter((asked) => asked === token)).toHaveLength(1);
  });

  it('active: false gets 401 invalid_token', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer('opq_never_issued') });
    expectRefusal(reply, fx.url, refusal('token_inactive'));
  });

  it('an aud without AUDIENCE gets 401 invalid_token', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(opaque({ aud: 'https://other.example' })) });
    expectRefusal(reply, fx.url, refusal('token_audience'));
  });

  it('an iss other than ISSUER gets 401 invalid_token; no iss at all is accepted', async () => {
    const wrong = await send(fx.url, '/invoices', { headers: bearer(opaque({ iss: 'https://evil.example' })) });
    expectRefusal(wrong, fx.url, refusal('token_issuer'));
    expect((await send(fx.url, '/invoices', { headers: bearer(opaque({ iss: undefined })) })).status).toBe(200);
  });

  it('no exp gets 401 invalid_token; an exp in the past too', async () => {
    const none = await send(fx.url, '/invoices', { headers: bearer(opaque({ exp: undefined })) });
    expectRefusal(none, fx.url, refusal('token_claims'));
    const past = await send(fx.url, '/invoices', { headers: bearer(opaque({ exp: now() - 3600 })) });
    expectRefusal(past, fx.url, refusal('token_expired'));
  });

  it('a claim of the wrong JSON type gets 401 invalid_token', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(opaque({ scope: ['invoices:read'] })) });
    expectRefusal(reply, fx.url, refusal('token_claims'));
  });

  it('every action applies: a missing scope gets 403 insufficient_scope naming it', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(opaque({ scope: 'invoices:write' })) });
    expectRefusal(reply, fx.url, refusal('scope_missing', 'invoices:read'));
  });

  it('a refund: a missing acr counts as missing (step-up), a missing jti too, and a complete answer refunds', async () => {
    const grant = [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' }];
    const elevated = { scope: 'payments:refund', auth_time: now() - 30, authorization_details: grant };
    const refund = (token: string) =>
      send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers: bearer(token) });
    const noAcr = await refund(opaque({ ...elevated }));
    expect(noAcr.status).toBe(401);
    expect(noAcr.challenge).toContain('error="insufficient_user_authentication"');
    const noJti = await refund(opaque({ ...elevated, acr: MFA }));
    expectRefusal(noJti, fx.url, refusal('token_claims'));
    const complete = opaque({ ...elevated, acr: MFA, jti: randomUUID() });
    expect((await refund(complete)).status).toBe(200);
    expectRefusal(await refund(complete), fx.url, refusal('token_replayed'));
  });

  it('a JWT is still verified by signature and never sent to the endpoint', async () => {
    const before = as().asked.length;
    const jwt = await fx.withScope('invoices:read');
    expect((await send(fx.url, '/invoices', { headers: bearer(jwt) })).status).toBe(200);
    expect(as().asked.length).toBe(before);
  });

  it('an endpoint that cannot answer gets 503 + Retry-After; an answer cached earlier keeps serving', async () => {
    const cached = opaque();
    expect((await send(fx.url, '/invoices', { headers: bearer(cached) })).status).toBe(200);
    as().down = true;
    try {
      const reply = await send(fx.url, '/invoices', { headers: bearer(opaque()) });
      expectUnavailable(reply, 'introspection_unavailable');
      expect((await send(fx.url, '/invoices', { headers: bearer(cached) })).status).toBe(200);
    } finally {
      as().down = false;
    }
  });
});

// Concurrent, each example with its own endpoint: the wait is the examples' cache lifetime (10 s),
// the same on every example, so the four waits overlap instead of adding up.
describe.concurrent.each(EXAMPLES)('%s: revocation through introspection', (name) => {
  const { fx, opaque, as } = useIntrospectedExample(name);

  it('a token revoked at the authorization server is refused once its cached answer expires, within 60 s', async () => {
    const token = opaque();
    expect((await send(fx.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
    as().answers.delete(token); // revoked: the endpoint now calls it inactive
    const revokedAt = Date.now();
    let reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    // Bounded: one request every 500 ms, for at most 61 s.
    for (let i = 0; i < 122 && reply.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    }
    expectRefusal(reply, fx.url, refusal('token_inactive'));
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(60_000);
  }, 70_000);
});

describe.each(EXAMPLES)('%s: introspection configuration', (name) => {
  const complete = {
    ISSUER: 'https://issuer.test',
    JWKS_URI: 'http://127.0.0.1:1/jwks',
    INTROSPECTION_URL: 'http://127.0.0.1:1/introspect',
    INTROSPECTION_CLIENT_ID: 'rs',
    INTROSPECTION_CLIENT_SECRET: 'secret',
  };
  // One at a time: each is a process start, and the machine may be shared.
  it.each([
    ['INTROSPECTION_CLIENT_ID', { ...complete, INTROSPECTION_CLIENT_ID: '' }],
    ['INTROSPECTION_CLIENT_SECRET', { ...complete, INTROSPECTION_CLIENT_SECRET: undefined }],
    ['INTROSPECTION_URL', { ...complete, INTROSPECTION_URL: '' }],
    ['INTROSPECTION_URL', { ...complete, INTROSPECTION_URL: 'not a url' }],
  ])(
    'exits non-zero naming %s',
    async (variable, env) => {
      const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<
        string,
        string
      >;
      const { code, stdout, stderr } = await runToExit(name, { PORT: '0', ...defined }, 40_000);
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stdout).not.toContain('listening on');
      expect(stderr).toContain(variable);
    },
    45_000,
  );
});
