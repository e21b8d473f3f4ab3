import { describe, expect, it } from 'vitest';
import { ISSUER, RESOURCE } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { createGate } from './index.js';
import type { GateOptions } from './options.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const JWKS_URI = 'https://as.test/jwks';
const base: GateOptions<'read'> = { actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwksUri: JWKS_URI }] };
const issuer = (extra: Record<string, unknown>) => ({ issuers: [{ issuer: ISSUER, ...extra }] });

function configurationError(change: Record<string, unknown>): ConfigurationError {
  try {
    createGate({ ...base, ...change } as GateOptions<'read'>);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('no ConfigurationError');
}

describe('gate configuration: every mistake names its option', () => {
  it.each([
    ['resource', { resource: undefined }],
    ['resource', { resource: 'not a url' }],
    ['resource', { resource: '/relative' }],
    ['resource', { resource: 'ftp://api.test' }],
    ['resource', { resource: 'https://api.test/#frag' }],
    ['resource', { resource: 'https://api.test/"quoted"' }],
    ['audience', { audience: [] }],
    ['audience', { audience: [''] }],
    ['issuers', { issuers: undefined }],
    ['issuers', { issuers: [] }],
    ['issuers', { issuers: { issuer: ISSUER, jwksUri: JWKS_URI } }],
    ['issuers[0]', { issuers: [null] }],
    ['issuers[0].issuer', issuer({ issuer: '', jwksUri: JWKS_URI })],
    ['issuers[0].jwks', issuer({ jwksUri: JWKS_URI, jwks: { keys: [] } })],
    ['issuers[0].secret', issuer({ jwks: { keys: [] }, secret: 'x'.repeat(32) })],
    ['issuers[0].jwksUri', issuer({ jwksUri: 'ftp://as.test/jwks' })],
    ['issuers[0].jwksUri', issuer({ jwksUri: 'not a url' })],
    ['issuers[0].jwks', issuer({ jwks: { keys: 'no' } })],
    ['issuers[0].algorithms', issuer({ jwksUri: JWKS_URI, algorithms: ['HS256'] })],
    ['issuers[0].algorithms', issuer({ jwksUri: JWKS_URI, algorithms: ['none'] })],
    ['issuers[0].algorithms', issuer({ jwksUri: JWKS_URI, algorithms: [] })],
    ['issuers[0].algorithms', issuer({ secret: 'x'.repeat(32), algorithms: ['RS256'] })],
    ['issuers[0].secret', issuer({ secret: 'x'.repeat(31) })],
    ['issuers[0].jwksTimeout', issuer({ jwksUri: JWKS_URI, jwksTimeout: -1 })],
    ['issuers[0].jwksCooldown', issuer({ jwksUri: JWKS_URI, jwksCooldown: 1.5 })],
    ['issuers[1].issuer', { issuers: [...base.issuers, ...base.issuers] }],
    ['issuers[1].issuer', { issuers: [...base.issuers, { issuer: 'b.test' }] }],
    ['realm', { realm: 'a"b' }],
    ['realm', { realm: 'a\\b' }],
    ['realm', { realm: 'é' }],
    ['resourceMetadata', { resourceMetadata: 'not a url' }],
    ['resourceMetadata', { resourceMetadata: 1 }],
    ['clockTolerance', { clockTolerance: -1 }],
    ['clockTolerance', { clockTolerance: '60' }],
    ['maxTokenBytes', { maxTokenBytes: 8 }],
    ['retryAfter', { retryAfter: 1.5 }],
    ['acceptJwtTyp', { acceptJwtTyp: 'yes' }],
    ['requiredClaims', { requiredClaims: [1] }],
    ['scopes', { scopes: ['groups'] }],
    ['scopes', { scopes: [] }],
    ['tokenMethods.query', { tokenMethods: { query: 'yes' } }],
    ['tokenMethods.body', { tokenMethods: { body: 1 } }],
    ['challenge.scope', { challenge: { scope: 'no' } }],
    ['now', { now: 5 }],
    ['replayStore', { replayStore: {} }],
    ['replayTimeout', { replayTimeout: 0 }],
    ['onDecision', { onDecision: 'log' }],
    ['tokenCache', { tokenCache: true }],
    ['tokenCache.ttl', { tokenCache: { ttl: 0 } }],
    ['actions', { actions: { read: { scopes: [] } } }],
    ['bogus', { bogus: true }],
    ['jwksUri', { jwksUri: JWKS_URI }],
  ])('%s', (option, change) => {
    const error = configurationError(change);
    expect(error.option).toBe(option);
    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain(`option "${option}"`);
  });

  it('accepts a minimal configuration and each kind of key source', () => {
    expect(() => createGate(base)).not.toThrow();
    expect(() => createGate({ ...base, ...issuer({ jwks: { keys: [] } }) })).not.toThrow();
    expect(() => createGate({ ...base, ...issuer({ secret: 'x'.repeat(32) }) })).not.toThrow();
    expect(() => createGate({ ...base, ...issuer({ jwksUri: new URL(JWKS_URI) }) })).not.toThrow();
  });
});

describe('gate configuration: the usual mistakes say what to do', () => {
  it.each([
    ['issuers[0].issuer', issuer({ issuer: 'as.example.com' }), /absolute URL such as https:\/\/as\.example\.com/],
    [
      'issuers[0].issuer',
      issuer({ issuer: 'http://as.example.com' }),
      /not loopback; use https, or set allowInsecureHttp/,
    ],
    ['issuers[0].issuer', issuer({ issuer: 'https://as.test/?tenant=1' }), /no query or fragment \(RFC 8414 §2\)/],
    ['issuers[0].jwksUri', issuer({ jwksUri: 'http://as.test/jwks' }), /http: to as\.test, which is not loopback/],
    ['issuers[0].jwksUri', issuer({ jwksUri: 'ftp://as.test/jwks' }), /must be an https URL/],
    ['resource', { resource: 'urn:my-api' }, /set audience: "urn:my-api" and resource: 'https:\/\/api\.example\.com'/],
    ['resource', { resource: 'api.example.com' }, /set audience: "api\.example\.com"/],
    ['issuers[0].algorithms', issuer({ algorithms: ['HS256'] }), /HS256 needs `secret`/],
    ['issuers[0].algorithms', issuer({ jwksUri: JWKS_URI, algorithms: ['HS512'] }), /HS512 needs `secret`.*64 bytes/],
    ['issuers[0].jwks', issuer({ jwksUri: JWKS_URI, jwks: { keys: [] } }), /cannot be combined with jwksUri/],
    ['issuers[0].jwksMaxBytes', issuer({ jwksMaxBytes: 10 }), /whole number of bytes, 1024 or more/],
    ['issuers[0].jwksStaleIfError', issuer({ jwksStaleIfError: -1 }), /0 or more/],
    [
      'issuers[0].jwksBackoffMax',
      issuer({ jwksBackoffInitial: 5000, jwksBackoffMax: 1000 }),
      /at least jwksBackoffInitial/,
    ],
    ['issuers[0].allowInsecureHttp', issuer({ allowInsecureHttp: 'yes' }), /true or false/],
  ])('%s: %o', (option, change, message) => {
    const error = configurationError(change);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('an issuer alone is enough (jwks_uri is discovered), and a trailing slash is legal', () => {
    expect(() => createGate({ ...base, issuers: [{ issuer: 'https://tenant.auth0.example/' }] })).not.toThrow();
    expect(() => createGate({ ...base, issuers: [{ issuer: 'https://idp.example/realms/acme' }] })).not.toThrow();
  });

  it('http: is fine for loopback, and elsewhere only with allowInsecureHttp', () => {
    for (const host of ['127.0.0.1:8080', '127.1.2.3', 'localhost:3000', '[::1]:9000']) {
      expect(() =>
        createGate({ ...base, issuers: [{ issuer: `http://${host}`, jwksUri: `http://${host}/jwks` }] }),
      ).not.toThrow();
    }
    const insecure = { issuer: 'http://as.internal', jwksUri: 'http://as.internal/jwks', allowInsecureHttp: true };
    expect(() => createGate({ ...base, issuers: [insecure] })).not.toThrow();
  });

  it('a URN audience beside a URL resource is how URN audiences are configured', () => {
    expect(() => createGate({ ...base, audience: 'urn:my-api' })).not.toThrow();
  });
});
