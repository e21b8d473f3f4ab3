/**
 * Opaque tokens through RFC 7662 introspection, against a real HTTP endpoint of the test's own on
 * 127.0.0.1 that answers as the test says: truthfully, with lies, late, never, too much. The
 * gate's clock is simulated, so cache lifetimes are tested at their boundaries without waiting.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllServers, json, startServer } from '../../test/hostile-server.js';
import { bearer, createTestIssuer, ISSUER, RESOURCE } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { createGate, type Decision } from '../gate/index.js';
import { Introspector } from './introspection.js';
import { INTROSPECTION_REQUIRED_CLAIMS } from './introspection-dispatch.js';
import { type IntrospectionOptions, normalizeIntrospection } from './introspection-options.js';
import { effectiveRules } from './issuer-checks.js';
import { type IssuerOptions, normalizeIssuer } from './options.js';

afterEach(closeAllServers);

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'], introspect: true },
});
const OPAQUE = 'opaque-token-0123456789abcdef';
const START = Date.parse('2026-01-01T00:00:00Z');

function simulatedClock() {
  let at = START;
  return {
    now: () => at,
    advance(ms: number) {
      at += ms;
    },
  };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** An active answer for RESOURCE, valid 300 s from the start. */
const activeAnswer = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: ISSUER,
  aud: RESOURCE,
  sub: 'user-1',
  client_id: 'client-1',
  scope: 'invoices:read payments:refund',
  exp: seconds(START) + 300,
  iat: seconds(START),
  ...extra,
});

interface Seen {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly form: URLSearchParams;
}

type Answer = (form: URLSearchParams, res: ServerResponse) => void;

async function endpoint(answer: Answer) {
  const seen: Seen[] = [];
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        form,
      });
      answer(form, res);
    });
  });
  return { url: `${server.origin}/introspect`, seen, server };
}

function gateFor(
  url: string,
  now: () => number,
  introspection: Partial<IntrospectionOptions> = {},
  issuer: Partial<IssuerOptions> = {},
  jwks: unknown = { keys: [] },
) {
  return createGate({
    actions,
    resource: RESOURCE,
    now,
    retryAfter: 0,
    issuers: [
      {
        issuer: ISSUER,
        jwks: jwks as never,
        introspection: { url, clientId: 'rs-1', clientSecret: 's3cret:/+', ...introspection },
        ...issuer,
      },
    ],
  });
}

const outcome = (decision: Decision) => (decision.allow ? 'allow' : decision.code);

describe('introspection: what the endpoint is asked', () => {
  it('POSTs the token with token_type_hint=access_token, authenticated with client_secret_basic (RFC 7662 §2.1, RFC 6749 §2.3.1)', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now);
    const decision = await gate.decide('read', bearer(OPAQUE));
    expect(outcome(decision)).toBe('allow');
    expect(as.seen).toHaveLength(1);
    const [request] = as.seen as [Seen];
    expect(request.contentType).toBe('application/x-www-form-urlencoded');
    expect(request.accept).toBe('application/json');
    expect(request.form.get('token')).toBe(OPAQUE);
    expect(request.form.get('token_type_hint')).toBe('access_token');
    expect(request.form.has('client_secret')).toBe(false);
    // Each part form-urlencoded, then base64: `s3cret:/+` becomes `s3cret%3A%2F%2B`.
    expect(request.authorization).toBe(`Basic ${Buffer.from('rs-1:s3cret%3A%2F%2B').toString('base64')}`);
    if (!decision.allow) throw new Error('refused');
    expect(decision.auth.claims.sub).toBe('user-1');
    expect([...decision.auth.scopes].sort()).toEqual(['invoices:read', 'payments:refund']);
  });

  it('client_secret_post sends the credentials in the form instead', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, { clientAuth: 'client_secret_post' });
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    const [request] = as.seen as [Seen];
    expect(request.authorization).toBeUndefined();
    expect(request.form.get('client_id')).toBe('rs-1');
    expect(request.form.get('client_secret')).toBe('s3cret:/+');
  });

  it('a JWT still goes to the JWT verifier: nothing is sent to the endpoint', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, {}, {}, issuer.jwks);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' }))))).toBe('allow');
    expect(as.seen).toHaveLength(0);
  });

  it('an oversized opaque token is refused before anything is sent', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now);
    expect(outcome(await gate.decide('read', bearer('a'.repeat(9000))))).toBe('token_too_large');
    expect(as.seen).toHaveLength(0);
  });
});

describe('introspection: an endpoint that lies or says no', () => {
  const cases: [string, unknown, string][] = [
    ['active: false', { active: false }, 'token_inactive'],
    ['active: false with claims that look fine', { ...activeAnswer(), active: false }, 'token_inactive'],
    ['aud of another resource', activeAnswer({ aud: 'https://other.test' }), 'token_audience'],
    ['aud an array without this resource', activeAnswer({ aud: ['https://other.test'] }), 'token_audience'],
    ['no aud', activeAnswer({ aud: undefined }), 'token_claims'],
    ['iss of another issuer', activeAnswer({ iss: 'https://evil.test' }), 'token_issuer'],
    ['exp in the past', activeAnswer({ exp: seconds(START) - 3600 }), 'token_expired'],
    ['no exp', activeAnswer({ exp: undefined }), 'token_claims'],
    ['exp a string', activeAnswer({ exp: String(seconds(START) + 300) }), 'token_claims'],
    ['scope an array', activeAnswer({ scope: ['invoices:read'] }), 'token_claims'],
    ['sub a number', activeAnswer({ sub: 7 }), 'token_claims'],
    ['iat a string', activeAnswer({ iat: 'now' }), 'token_claims'],
    ['iat in the future', activeAnswer({ iat: seconds(START) + 3600 }), 'token_not_yet_valid'],
    ['nbf in the future', activeAnswer({ nbf: seconds(START) + 3600 }), 'token_not_yet_valid'],
    ['client_id a number', activeAnswer({ client_id: 1 }), 'token_claims'],
    ['iss a number', activeAnswer({ iss: 1 }), 'token_claims'],
    ['cnf a string', activeAnswer({ cnf: 'jkt' }), 'token_claims'],
    ['token_type a number', activeAnswer({ token_type: 1 }), 'token_claims'],
    ['the scope missing', activeAnswer({ scope: 'invoices:write' }), 'scope_missing'],
    // Not an RFC 7662 answer at all: the endpoint misbehaves, so 503, and never "active".
    ['active: "true" (a string)', { ...activeAnswer(), active: 'true' }, 'introspection_unavailable'],
    ['active: 1', { ...activeAnswer(), active: 1 }, 'introspection_unavailable'],
    ['no active member', { ...activeAnswer(), active: undefined }, 'introspection_unavailable'],
    ['an array', [activeAnswer()], 'introspection_unavailable'],
    ['null', null, 'introspection_unavailable'],
  ];
  for (const [name, answer, code] of cases) {
    it(`${name}: ${code}`, async () => {
      const clock = simulatedClock();
      const as = await endpoint((_form, res) => json(res, answer));
      const decision = await createGateAndDecide(as.url, clock.now);
      expect(outcome(decision)).toBe(code);
      if (decision.allow) return;
      if (code.startsWith('token_')) {
        expect(decision.status).toBe(401);
        expect(decision.headers['www-authenticate']).toContain('error="invalid_token"');
      }
      if (code === 'introspection_unavailable') {
        expect(decision.status).toBe(503);
        expect(decision.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      }
    });
  }

  async function createGateAndDecide(url: string, now: () => number) {
    return gateFor(url, now).decide('read', bearer(OPAQUE));
  }

  it('a missing iat, jti, acr or cnf stays missing: the claims handed on are the answer, with iss filled in', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) =>
      json(res, { active: true, aud: RESOURCE, exp: seconds(START) + 300, scope: 'invoices:read' }),
    );
    const decision = await gateFor(as.url, clock.now).decide('read', bearer(OPAQUE));
    if (!decision.allow) throw new Error(`refused: ${decision.code}`);
    expect(decision.auth.claims).toEqual({
      aud: RESOURCE,
      exp: seconds(START) + 300,
      scope: 'invoices:read',
      iss: ISSUER,
    });
    expect(Object.isFrozen(decision.auth.claims)).toBe(true);
  });
});

describe('introspection: the cache', () => {
  it('an active answer is reused until cacheTtl, then asked again: at 29.999 s one request, at 30 s two', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, { cacheTtl: 30 });
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    clock.advance(29_999);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen).toHaveLength(1);
    clock.advance(1);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen).toHaveLength(2);
  });

  it('never past exp: an answer expiring in 10 s is asked again at 10 s, whatever the TTL', async () => {
    const clock = simulatedClock();
    let revoked = false;
    const as = await endpoint((_form, res) =>
      json(res, revoked ? { active: false } : activeAnswer({ exp: seconds(START) + 10 })),
    );
    const gate = gateFor(as.url, clock.now, { cacheTtl: 60 });
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    revoked = true;
    clock.advance(9_999);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen).toHaveLength(1);
    clock.advance(1);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_inactive');
    expect(as.seen).toHaveLength(2);
  });

  it('a token revoked at the server is refused once its cached answer expires, within cacheTtl', async () => {
    const clock = simulatedClock();
    let revoked = false;
    const as = await endpoint((_form, res) => json(res, revoked ? { active: false } : activeAnswer()));
    const gate = gateFor(as.url, clock.now); // default cacheTtl: 30 s
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    revoked = true;
    clock.advance(29_999);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    clock.advance(1);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_inactive');
  });

  it('an inactive answer is kept negativeCacheTtl seconds, not longer', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, { active: false }));
    const gate = gateFor(as.url, clock.now, { negativeCacheTtl: 5 });
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_inactive');
    clock.advance(4_999);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_inactive');
    expect(as.seen).toHaveLength(1);
    clock.advance(1);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_inactive');
    expect(as.seen).toHaveLength(2);
  });

  it('cacheTtl 0 keeps nothing: every request asks', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, { cacheTtl: 0 });
    for (let i = 0; i < 3; i++) expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen).toHaveLength(3);
  });

  it('a refusal by the clock is lifted by the clock: nbf in the future, then past, without asking again', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer({ nbf: seconds(START) + 70 })));
    const gate = gateFor(as.url, clock.now); // clockTolerance 60
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('token_not_yet_valid');
    clock.advance(11_000);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen).toHaveLength(1);
  });

  it('is bounded: with maxEntries 2, a third token evicts the least recently used answer', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, { maxEntries: 2 });
    for (const token of ['t-1', 't-2', 't-3', 't-1'])
      expect(outcome(await gate.decide('read', bearer(token)))).toBe('allow');
    expect(as.seen.map((seen) => seen.form.get('token'))).toEqual(['t-1', 't-2', 't-3', 't-1']);
  });

  it('keys the cache by the SHA-256 of the token, never the token', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const config = normalizeIntrospection({ url: as.url, clientId: 'rs-1', clientSecret: 's3cret:/+' }, 'x', false);
    const introspector = new Introspector({
      issuer: ISSUER,
      config,
      rules: effectiveRules(normalizeIssuer({ issuer: ISSUER, jwks: { keys: [] } }, 'i'), {
        tokenTypes: new Set(),
        audience: [RESOURCE],
        requiredClaims: INTROSPECTION_REQUIRED_CLAIMS,
        scopeSource: ['scope'],
      }),
      key: new Uint8Array(32),
      algorithms: ['RS256'],
      clockTolerance: 60,
      now: clock.now,
    });
    await introspector.verify(OPAQUE);
    const keys = [...(introspector as unknown as { cache: { keys(): Iterable<string> } }).cache.keys()];
    expect(keys).toEqual([createHash('sha256').update(OPAQUE).digest('base64')]);
    expect(introspector.requests).toBe(1);
  });

  it('coalesces: 25 concurrent lookups of one token send one request; another token sends its own', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => setTimeout(() => json(res, activeAnswer()), 50));
    const gate = gateFor(as.url, clock.now);
    const decisions = await Promise.all([
      ...Array.from({ length: 25 }, () => gate.decide('read', bearer(OPAQUE))),
      gate.decide('read', bearer(`${OPAQUE}-other`)),
    ]);
    expect(decisions.map(outcome)).toEqual(Array(26).fill('allow'));
    expect(as.seen.map((s) => s.form.get('token')).sort()).toEqual([OPAQUE, `${OPAQUE}-other`]);
  });

  it('bounds the fan-out: 40 made-up tokens at once with maxConcurrent 8 send 8 requests, the rest get 503 at once', async () => {
    const clock = simulatedClock();
    const as = await endpoint((_form, res) => setTimeout(() => json(res, { active: false }), 100));
    const gate = gateFor(as.url, clock.now, { maxConcurrent: 8 });
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => gate.decide('read', bearer(`${OPAQUE}-flood-${i}`))),
    );
    const statuses = decisions.map((decision) => (decision.allow ? 200 : decision.status));
    expect(statuses.filter((status) => status === 401)).toHaveLength(8);
    expect(statuses.filter((status) => status === 503)).toHaveLength(32);
    expect(decisions.every((decision) => !decision.allow)).toBe(true);
    expect(as.seen).toHaveLength(8);
    // Once the lookups in flight are answered, a new token is looked up again.
    expect((await gate.decide('read', bearer(`${OPAQUE}-after`))).allow).toBe(false);
    expect(as.seen).toHaveLength(9);
  });

  it('refuses a maxConcurrent that is not a whole number from 1, naming the option', () => {
    expect(() =>
      normalizeIntrospection(
        { url: 'https://as.test/i', clientId: 'c', clientSecret: 's', maxConcurrent: 0 },
        'issuers[0].introspection',
        false,
      ),
    ).toThrow(/issuers\[0\]\.introspection\.maxConcurrent/);
  });
});

describe('introspection: an endpoint that cannot answer fails closed with 503 + Retry-After', () => {
  const failures: [string, Answer][] = [
    ['answers 500', (_f, res) => json(res, { active: true }, 500)],
    ['answers 401 (bad client credentials)', (_f, res) => json(res, { error: 'invalid_client' }, 401)],
    ['redirects', (_f, res) => res.writeHead(302, { location: 'https://as.test/' }).end()],
    ['answers HTML', (_f, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')],
    [
      'answers 1 MiB (capped at maxBytes)',
      (_f, res) => json(res, { ...activeAnswer(), padding: 'x'.repeat(1024 * 1024) }),
    ],
    [
      'streams an endless body without content-length',
      (_f, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"active":true,"pad":"`);
        const chunk = 'x'.repeat(4096);
        let sent = 0;
        const pump = () => {
          if (res.destroyed || sent++ > 2000) return res.end();
          res.write(chunk, pump);
        };
        pump();
      },
    ],
  ];
  for (const [name, answer] of failures) {
    it(`${name}`, async () => {
      const clock = simulatedClock();
      const as = await endpoint(answer);
      const decision = await gateFor(as.url, clock.now, { maxBytes: 16_384 }).decide('read', bearer(OPAQUE));
      expect(outcome(decision)).toBe('introspection_unavailable');
      if (decision.allow) return;
      expect(decision.status).toBe(503);
      expect(decision.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(decision.headers['www-authenticate']).toBeUndefined();
    });
  }

  it('a silent endpoint: refused 503 at the timeout, not later', async () => {
    const clock = simulatedClock();
    const as = await endpoint(() => {}); // never answers
    const gate = gateFor(as.url, clock.now, { timeout: 200 });
    const started = performance.now();
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('introspection_unavailable');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a refused connection', async () => {
    const clock = simulatedClock();
    const as = await endpoint(() => {});
    await as.server.close();
    expect(outcome(await gateFor(as.url, clock.now).decide('read', bearer(OPAQUE)))).toBe('introspection_unavailable');
  });

  it('during an outage, answers cached earlier keep serving, new tokens get 503 with the backoff left, and no request is sent while it runs', async () => {
    const clock = simulatedClock();
    let down = false;
    const as = await endpoint((_form, res) => (down ? json(res, {}, 503) : json(res, activeAnswer())));
    const gate = gateFor(as.url, clock.now, { backoffInitial: 10_000, backoffMax: 20_000 });
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    down = true;
    const first = await gate.decide('read', bearer('another-token'));
    expect(outcome(first)).toBe('introspection_unavailable');
    if (first.allow) throw new Error('allowed');
    const retryAfter = Number(first.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(5);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(as.seen).toHaveLength(2);
    clock.advance(1000);
    expect(outcome(await gate.decide('read', bearer('a-third-token')))).toBe('introspection_unavailable');
    expect(as.seen).toHaveLength(2); // backing off: nothing sent
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow'); // cached earlier
    down = false;
    clock.advance(10_000);
    expect(outcome(await gate.decide('read', bearer('another-token')))).toBe('allow');
  });
});

describe('introspection of JWTs for chosen actions (introspect: true)', () => {
  it('a JWT revoked at the server is refused for the introspected action and accepted for the others', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    const as = await endpoint((_form, res) => json(res, { active: false }));
    const gate = gateFor(as.url, clock.now, {}, {}, issuer.jwks);
    const token = await issuer.mint({ scope: 'invoices:read payments:refund' });
    expect(outcome(await gate.decide('read', bearer(token)))).toBe('allow');
    expect(as.seen).toHaveLength(0);
    const refused = await gate.decide('refund', bearer(token));
    expect(outcome(refused)).toBe('token_inactive');
    expect(as.seen).toHaveLength(1);
    expect(as.seen[0]?.form.get('token')).toBe(token);
  });

  it('an active JWT is allowed; an answer naming another issuer is refused; an outage is 503', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    let answer: unknown = { active: true };
    let status = 200;
    const as = await endpoint((_form, res) => json(res, answer, status));
    const gate = gateFor(as.url, clock.now, { cacheTtl: 0, negativeCacheTtl: 0 }, {}, issuer.jwks);
    const token = await issuer.mint({ scope: 'payments:refund' });
    expect(outcome(await gate.decide('refund', bearer(token)))).toBe('allow');
    answer = { active: true, iss: 'https://evil.test' };
    expect(outcome(await gate.decide('refund', bearer(token)))).toBe('token_issuer');
    status = 500;
    expect(outcome(await gate.decide('refund', bearer(token)))).toBe('introspection_unavailable');
  });
});

describe('JWT-secured introspection responses (RFC 9701)', () => {
  async function signer() {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'ES256' }] };
    const sign = (payload: Record<string, unknown>, typ = 'token-introspection+jwt', key = privateKey) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'as-1', typ }).sign(key);
    return { jwks, sign, privateKey };
  }
  const signed = (res: ServerResponse, jwt: string) =>
    res.writeHead(200, { 'content-type': 'application/token-introspection+jwt' }).end(jwt);
  const envelope = (extra: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: 'rs-1',
    iat: seconds(START),
    token_introspection: activeAnswer(),
    ...extra,
  });

  it('a response signed by the issuer, typ token-introspection+jwt, aud this client: allowed, asked with its media type', async () => {
    const clock = simulatedClock();
    const as9701 = await signer();
    const jwt = await as9701.sign(envelope());
    const as = await endpoint((_form, res) => signed(res, jwt));
    const gate = gateFor(as.url, clock.now, { accept: 'application/token-introspection+jwt' }, {}, as9701.jwks);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('allow');
    expect(as.seen[0]?.accept).toBe('application/token-introspection+jwt');
  });

  const forgeries: [string, (s: Awaited<ReturnType<typeof signer>>) => Promise<string>][] = [
    ['signed by another key', async (s) => s.sign(envelope(), undefined, (await generateKeyPair('ES256')).privateKey)],
    ['typ JWT', (s) => s.sign(envelope(), 'JWT')],
    ['aud another client', (s) => s.sign(envelope({ aud: 'rs-2' }))],
    ['iss another issuer', (s) => s.sign(envelope({ iss: 'https://evil.test' }))],
    ['no token_introspection', (s) => s.sign(envelope({ token_introspection: undefined }))],
  ];
  for (const [name, forge] of forgeries) {
    it(`${name}: 503, never an allow`, async () => {
      const clock = simulatedClock();
      const as9701 = await signer();
      const jwt = await forge(as9701);
      const as = await endpoint((_form, res) => signed(res, jwt));
      const gate = gateFor(as.url, clock.now, { accept: 'application/token-introspection+jwt' }, {}, as9701.jwks);
      expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('introspection_unavailable');
    });
  }

  it('plain JSON where a signed response was asked for: 503', async () => {
    const clock = simulatedClock();
    const as9701 = await signer();
    const as = await endpoint((_form, res) => json(res, activeAnswer()));
    const gate = gateFor(as.url, clock.now, { accept: 'application/token-introspection+jwt' }, {}, as9701.jwks);
    expect(outcome(await gate.decide('read', bearer(OPAQUE)))).toBe('introspection_unavailable');
  });
});

describe('introspection options fail at start-up, naming the option', () => {
  const base = { url: 'https://as.test/introspect', clientId: 'rs', clientSecret: 'secret' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['no url', { ...base, url: undefined }, 'issuers[0].introspection.url'],
    ['http to a non-loopback host', { ...base, url: 'http://as.test/introspect' }, 'issuers[0].introspection.url'],
    ['no clientId', { ...base, clientId: '' }, 'issuers[0].introspection.clientId'],
    ['no clientSecret', { ...base, clientSecret: undefined }, 'issuers[0].introspection.clientSecret'],
    ['an unknown clientAuth', { ...base, clientAuth: 'private_key_jwt' }, 'issuers[0].introspection.clientAuth'],
    ['an unknown accept', { ...base, accept: 'text/plain' }, 'issuers[0].introspection.accept'],
    ['cacheTtl over 60 s', { ...base, cacheTtl: 61 }, 'issuers[0].introspection.cacheTtl'],
    ['negativeCacheTtl negative', { ...base, negativeCacheTtl: -1 }, 'issuers[0].introspection.negativeCacheTtl'],
    ['timeout 0', { ...base, timeout: 0 }, 'issuers[0].introspection.timeout'],
    ['a misspelt option', { ...base, cacheTTL: 5 }, 'issuers[0].introspection.cacheTTL'],
  ];
  for (const [name, introspection, option] of cases) {
    it(name, () => {
      const attempt = () =>
        createGate({
          actions: defineActions({ read: { scopes: [] } }),
          resource: RESOURCE,
          issuers: [{ issuer: ISSUER, jwks: { keys: [] }, introspection: introspection as never }],
        });
      expect(attempt).toThrow(ConfigurationError);
      try {
        attempt();
      } catch (error) {
        expect((error as ConfigurationError).option).toBe(option);
      }
    });
  }

  it('http to a non-loopback host is accepted with allowInsecureHttp', () => {
    expect(() =>
      createGate({
        actions: defineActions({ read: { scopes: [] } }),
        resource: RESOURCE,
        issuers: [
          {
            issuer: 'http://as.test',
            allowInsecureHttp: true,
            jwks: { keys: [] },
            introspection: { ...base, url: 'http://as.test/introspect' },
          },
        ],
      }),
    ).not.toThrow();
  });

  it('two issuers with introspection: an opaque token could be sent to the wrong one', () => {
    const attempt = () =>
      createGate({
        actions: defineActions({ read: { scopes: [] } }),
        resource: RESOURCE,
        issuers: [
          { issuer: ISSUER, jwks: { keys: [] }, introspection: base },
          { issuer: 'https://as2.test', jwks: { keys: [] }, introspection: base },
        ],
      });
    expect(attempt).toThrow(/issuers\[1\]\.introspection/);
  });

  it('an action with introspect: true while an issuer has no introspection', () => {
    const attempt = () =>
      createGate({
        actions: defineActions({ refund: { scopes: [], introspect: true } }),
        resource: RESOURCE,
        issuers: [{ issuer: ISSUER, jwks: { keys: [] } }],
      });
    expect(attempt).toThrow(/actions\.refund\.introspect.*issuers\[0\]\.introspection/);
  });

  it('introspect must be a boolean', () => {
    expect(() => defineActions({ refund: { scopes: [], introspect: 'yes' as never } })).toThrow(
      /actions\.refund\.introspect/,
    );
  });
});
