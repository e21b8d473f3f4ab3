import { describe, expect, it } from 'vitest';
import { ISSUER } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { createGate } from '../gate/index.js';
import type { GateOptions } from '../gate/options.js';
import { buildMetadata, metadataPathFor, metadataUrlFor } from './index.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  export: { anyOf: ['invoices:export', ['invoices:read', 'invoices:admin']] },
  health: { scopes: [] },
});
const gateFor = (resource: string, extra: Partial<GateOptions<'read' | 'export' | 'health'>> = {}) =>
  createGate({ actions, resource, issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/jwks' }], ...extra });

describe('RFC 9728 metadata document (§2)', () => {
  it('is derived from the resource, the issuers and the declared actions', () => {
    const gate = gateFor('https://api.test', { metadata: { resource_name: 'Invoices' } });
    expect(gate.metadata).toEqual({
      resource_name: 'Invoices',
      resource: 'https://api.test',
      authorization_servers: [ISSUER],
      scopes_supported: ['invoices:admin', 'invoices:export', 'invoices:read'],
      bearer_methods_supported: ['header'],
    });
    expect(Object.isFrozen(gate.metadata)).toBe(true);
  });

  it('lists every issuer, and the token methods that are on', () => {
    const gate = gateFor('https://api.test', {
      issuers: [
        { issuer: ISSUER, jwksUri: 'https://as.test/jwks' },
        { issuer: 'https://b.test', jwksUri: 'https://b.test/jwks' },
      ],
      tokenMethods: { body: true, query: true },
    });
    expect(gate.metadata.authorization_servers).toEqual([ISSUER, 'https://b.test']);
    expect(gate.metadata.bearer_methods_supported).toEqual(['header', 'body', 'query']);
  });

  it('never lets extra members override the derived ones', () => {
    const document = buildMetadata({
      resource: 'https://api.test',
      authorizationServers: [ISSUER, ISSUER],
      scopesSupported: ['b', 'a', 'b'],
      bearerMethods: ['header'],
      extra: { resource: 'https://evil.test', scopes_supported: [], resource_documentation: 'https://docs' },
    });
    expect(document).toEqual({
      resource: 'https://api.test',
      authorization_servers: [ISSUER],
      scopes_supported: ['a', 'b'],
      bearer_methods_supported: ['header'],
      resource_documentation: 'https://docs',
    });
  });
});

describe('RFC 9728 §3.1: where the document is served', () => {
  it.each([
    [
      'https://api.test',
      'https://api.test/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource',
    ],
    [
      'https://api.test/',
      'https://api.test/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource',
    ],
    [
      'https://api.test/v1',
      'https://api.test/.well-known/oauth-protected-resource/v1',
      '/.well-known/oauth-protected-resource/v1',
    ],
    [
      'https://api.test/v1/',
      'https://api.test/.well-known/oauth-protected-resource/v1',
      '/.well-known/oauth-protected-resource/v1',
    ],
    [
      'https://api.test:8443/a/b',
      'https://api.test:8443/.well-known/oauth-protected-resource/a/b',
      '/.well-known/oauth-protected-resource/a/b',
    ],
    [
      'http://127.0.0.1:3000',
      'http://127.0.0.1:3000/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource',
    ],
    [
      'https://api.test/v1?tenant=a',
      'https://api.test/.well-known/oauth-protected-resource/v1?tenant=a',
      '/.well-known/oauth-protected-resource/v1',
    ],
  ])('%s', (resource, url, path) => {
    expect(metadataUrlFor(resource)).toBe(url);
    expect(metadataPathFor(resource)).toBe(path);
    const gate = gateFor(resource);
    expect(gate.metadataUrl).toBe(url);
    expect(gate.metadataPath).toBe(path);
    // §3.3: the document's resource is the identifier exactly as configured.
    expect(gate.metadata.resource).toBe(resource);
  });

  it('puts the document URL in every challenge, or another when configured, or none', async () => {
    const challengeOf = async (gate: ReturnType<typeof gateFor>) => {
      const decision = await gate.decide('read', { method: 'GET', path: '/', authorization: undefined });
      return decision.allow ? undefined : decision.headers['www-authenticate'];
    };
    expect(await challengeOf(gateFor('https://api.test/v1'))).toBe(
      'Bearer resource_metadata="https://api.test/.well-known/oauth-protected-resource/v1"',
    );
    expect(await challengeOf(gateFor('https://api.test', { resourceMetadata: 'https://meta.test/doc' }))).toBe(
      'Bearer resource_metadata="https://meta.test/doc"',
    );
    expect(await challengeOf(gateFor('https://api.test', { resourceMetadata: false, realm: 'r' }))).toBe(
      'Bearer realm="r"',
    );
  });
});
