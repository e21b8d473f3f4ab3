/**
 * `issuers: [{ issuer }]` alone: the key set is found from the issuer's metadata (RFC 8414,
 * then OpenID Connect Discovery), served by a real loopback server that may lie.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllServers, type HostileServer, json, startServer } from '../../test/hostile-server.js';
import { bearer, createTestIssuer, RESOURCE, type TestIssuer } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { DecisionEvent } from '../audit/index.js';
import { createGate, type Decision } from '../gate/index.js';
import { metadataUrls } from './discovery.js';
import type { IssuerOptions } from './options.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
afterEach(closeAllServers);
const outcome = (decision: Decision) => (decision.allow ? 'allow' : decision.code);

type Documents = Record<string, (server: HostileServer) => unknown>;

async function authorizationServer(documents: Documents) {
  const issuer = await createTestIssuer();
  const server: HostileServer = await startServer((req, res) => {
    const document = documents[req.url ?? ''];
    if (document === undefined) return json(res, { error: 'not_found' }, 404);
    json(res, document(server));
  });
  return { issuer, server };
}

function gateFor(issuer: string, events: DecisionEvent[] = [], extra: Partial<IssuerOptions> = {}) {
  return createGate({
    actions,
    resource: RESOURCE,
    issuers: [{ issuer, jwksTimeout: 2000, ...extra }],
    tokenCache: false,
    onDecision: (event) => {
      events.push(event);
    },
  });
}

/** What the server's log gets: the audit event's cause, and the fetch error beneath it. */
const causeOf = (events: DecisionEvent[]) => String((events[0]?.cause as Error | undefined)?.cause);

const mint = (issuer: TestIssuer, iss: string) => issuer.mint({ iss, scope: 'invoices:read' });

describe('metadata URLs', () => {
  it.each([
    [
      'https://as.example.com',
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ],
    [
      'https://as.example.com/',
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ],
    [
      'https://login.example.com/tenant/v2.0',
      'https://login.example.com/.well-known/oauth-authorization-server/tenant/v2.0',
      'https://login.example.com/tenant/v2.0/.well-known/openid-configuration',
    ],
    [
      'https://idp.example.com/realms/acme/',
      'https://idp.example.com/.well-known/oauth-authorization-server/realms/acme',
      'https://idp.example.com/realms/acme/.well-known/openid-configuration',
    ],
  ])('%s: RFC 8414 §3.1 inserts, OpenID Connect Discovery §4.1 appends', (issuer, oauth, oidc) => {
    expect(metadataUrls(new URL(issuer)).map((url) => url.href)).toEqual([oauth, oidc]);
  });
});

describe('discovery', () => {
  it('RFC 8414 with path insertion: the discovered key set verifies, and the metadata is fetched once', async () => {
    const { issuer, server } = await authorizationServer({
      '/.well-known/oauth-authorization-server/tenant': (s) => ({
        issuer: `${s.origin}/tenant`,
        jwks_uri: `${s.origin}/tenant/keys`,
      }),
      '/tenant/keys': () => issuer.jwks,
    });
    const iss = `${server.origin}/tenant`;
    const gate = gateFor(iss);
    for (let i = 0; i < 3; i++)
      expect(outcome(await gate.decide('read', bearer(await mint(issuer, iss))))).toBe('allow');
    expect(server.requests).toEqual(['/.well-known/oauth-authorization-server/tenant', '/tenant/keys']);
  });

  it('falls back to OpenID Connect Discovery when there is no RFC 8414 document', async () => {
    const { issuer, server } = await authorizationServer({
      '/realm/.well-known/openid-configuration': (s) => ({
        issuer: `${s.origin}/realm/`,
        jwks_uri: `${s.origin}/realm/certs`,
      }),
      '/realm/certs': () => issuer.jwks,
    });
    const iss = `${server.origin}/realm/`; // a trailing slash, as Auth0's issuers have
    expect(outcome(await gateFor(iss).decide('read', bearer(await mint(issuer, iss))))).toBe('allow');
    expect(server.requests).toEqual([
      '/.well-known/oauth-authorization-server/realm',
      '/realm/.well-known/openid-configuration',
      '/realm/certs',
    ]);
  });

  it('a document that names another issuer is not used (RFC 8414 §3.3): 503, and the log says why', async () => {
    const { issuer, server } = await authorizationServer({
      '/.well-known/openid-configuration': () => ({
        issuer: 'https://evil.example',
        jwks_uri: 'https://evil.example/k',
      }),
    });
    const events: DecisionEvent[] = [];
    const decision = await gateFor(server.origin, events).decide('read', bearer(await mint(issuer, server.origin)));
    expect(outcome(decision)).toBe('keys_unavailable');
    expect(causeOf(events)).toContain('names issuer "https://evil.example"');
    expect(decision.allow ? '' : JSON.stringify(decision)).not.toContain('evil');
  });

  it('a mismatch only by a trailing slash says so', async () => {
    const { issuer, server } = await authorizationServer({
      '/.well-known/openid-configuration': (s) => ({ issuer: `${s.origin}/`, jwks_uri: `${s.origin}/keys` }),
      '/keys': () => issuer.jwks,
    });
    const events: DecisionEvent[] = [];
    const decision = await gateFor(server.origin, events).decide('read', bearer(await mint(issuer, server.origin)));
    expect(outcome(decision)).toBe('keys_unavailable');
    expect(causeOf(events)).toContain('differ only by a trailing slash');
  });

  it('a discovered jwks_uri over http to a non-loopback host is refused: 503', async () => {
    const { issuer, server } = await authorizationServer({
      '/.well-known/oauth-authorization-server': (s) => ({ issuer: s.origin, jwks_uri: 'http://keys.example/jwks' }),
    });
    const events: DecisionEvent[] = [];
    const decision = await gateFor(server.origin, events).decide('read', bearer(await mint(issuer, server.origin)));
    expect(outcome(decision)).toBe('keys_unavailable');
    expect(causeOf(events)).toContain('allowInsecureHttp');
    expect(server.requests).not.toContain('/jwks');
  });

  it('metadata larger than jwksMaxBytes is refused: 503', async () => {
    const { issuer, server } = await authorizationServer({
      '/.well-known/oauth-authorization-server': (s) => ({
        issuer: s.origin,
        jwks_uri: `${s.origin}/keys`,
        padding: 'x'.repeat(70_000),
      }),
      '/keys': () => issuer.jwks,
    });
    const decision = await gateFor(server.origin).decide('read', bearer(await mint(issuer, server.origin)));
    expect(outcome(decision)).toBe('keys_unavailable');
    expect(server.requests).not.toContain('/keys');
  });

  it('the metadata is looked up again hourly, not with every key-set refetch; if it fails, the jwks_uri found before serves', async () => {
    let at = Date.now();
    const now = () => at;
    const issuer = await createTestIssuer(now);
    let metadataUp = true;
    const server: HostileServer = await startServer((req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server')
        return metadataUp
          ? json(res, { issuer: server.origin, jwks_uri: `${server.origin}/keys` })
          : json(res, {}, 500);
      if (req.url === '/.well-known/openid-configuration') return json(res, {}, 404);
      json(res, issuer.jwks);
    });
    const gate = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: server.origin, jwksTimeout: 2000 }],
      tokenCache: false,
      now,
    });
    const minute = 60_000;
    const allowed = async () => outcome(await gate.decide('read', bearer(await mint(issuer, server.origin))));
    expect(await allowed()).toBe('allow');
    at += 11 * minute; // the key set is past its max age; the metadata is not
    expect(await allowed()).toBe('allow');
    metadataUp = false;
    at += 50 * minute; // both are due; the metadata fails, the jwks_uri found before still works
    expect(await allowed()).toBe('allow');
    expect(server.requests).toEqual([
      '/.well-known/oauth-authorization-server',
      '/keys',
      '/keys',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/keys',
    ]);
  });

  it('a metadata server that never answers: 503 within jwksTimeout, then backing off without fetching', async () => {
    const issuer = await createTestIssuer();
    const server = await startServer(() => undefined);
    const gate = gateFor(server.origin, [], { jwksTimeout: 200 });
    for (let i = 0; i < 3; i++)
      expect(outcome(await gate.decide('read', bearer(await mint(issuer, server.origin))))).toBe('keys_unavailable');
    expect(server.requests).toEqual(['/.well-known/oauth-authorization-server']);
  });
});
