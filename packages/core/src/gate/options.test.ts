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
    ['issuers[0].jwksUri', issuer({})],
    ['issuers[0].jwksUri', issuer({ jwksUri: JWKS_URI, jwks: { keys: [] } })],
    ['issuers[0].jwksUri', issuer({ jwks: { keys: [] }, secret: 'x'.repeat(32) })],
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
    ['issuers[1].jwksUri', { issuers: [...base.issuers, { issuer: 'https://b.test' }] }],
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
