/**
 * RFC 6750 §2.2 / §2: MCP takes tokens in the Authorization header only, so a token in the body
 * (a JSON member or a form parameter) is a 400 invalid_request, checked before the body's syntax
 * and never allowed, even beside a valid header.
 */
import { createGate } from '@actiongate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { actions, createIssuer, ISSUER, type Issuer, TOOLS } from '../test/support.js';
import { createMcpGuard } from './guard.js';

const RESOURCE = 'https://mcp.test/mcp';
let issuer: Issuer;
beforeAll(async () => {
  issuer = await createIssuer();
});

const guard = () =>
  createMcpGuard({
    gate: createGate({
      actions,
      resource: RESOURCE,
      realm: 'invoices',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    }),
    connect: 'mcp.connect',
    tools: TOOLS,
  });

const listCall = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_invoices' } };

describe('a token in the body', () => {
  it.each([
    ['alone, in a JSON body', undefined, { body: listCall }],
    ['beside a valid header', 'header', { body: listCall }],
    ['in a form body that is not JSON', undefined, { bodyError: 'unparseable' as const }],
    ['with a malformed value', 'header', { body: listCall, malformed: true }],
  ])('%s: 400 invalid_request with the challenge', async (_name, header, extra) => {
    const token = await issuer.mint(RESOURCE);
    const { malformed, ...rest } = extra as { malformed?: boolean };
    const decision = await guard().check({
      method: 'POST',
      path: '/mcp',
      authorization: header === undefined ? undefined : `Bearer ${token}`,
      bodyAccessToken: malformed ? ['a', 'b'] : token,
      ...rest,
    });
    expect(decision.allow).toBe(false);
    if (decision.allow) return;
    expect(decision.status).toBe(400);
    expect(decision.headers['www-authenticate']).toMatch(/^Bearer realm="invoices", error="invalid_request", /);
    expect(decision.body).toMatchObject({ error: 'invalid_request' });
  });

  it('the size limit still answers first (413)', async () => {
    const decision = await guard().check({
      method: 'POST',
      path: '/mcp',
      authorization: undefined,
      bodyAccessToken: 'x',
      bodyError: 'too_large',
    });
    expect(!decision.allow && decision.status).toBe(413);
  });
});
