// A TypeScript CommonJS consumer (module node16, skipLibCheck false): this file compiles to require() calls,
// so every declaration file it reaches is checked as a CommonJS consumer sees it.

import { findBearerChallenge } from '@actiongate/client';
import { type AuthInfo, createGate, type Decision, defineActions } from '@actiongate/core';
import { actiongate as expressGate } from '@actiongate/express';
import { actiongate as koaGate } from '@actiongate/koa';
import { createMcpGuard, type McpAuthInfo, type McpDecision } from '@actiongate/mcp';
import { RedisReplayStore } from '@actiongate/redis';

import express = require('express');

import Koa = require('koa');

const actions = defineActions({ 'invoices.read': { scopes: ['invoices:read'] } });
const gate = createGate({
  actions,
  resource: 'https://api.example.com',
  issuers: [{ issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' }],
  replayStore: new RedisReplayStore({ url: 'redis://127.0.0.1:6379' }),
});

export async function decide(token: string): Promise<string> {
  const decision: Decision<'invoices.read'> = await gate.decide('invoices.read', {
    method: 'GET',
    path: '/invoices',
    authorization: `Bearer ${token}`,
  });
  return decision.allow ? (decision.auth.claims.sub ?? '') : `${decision.status} ${decision.code}`;
}

const { requireAction, getAuth } = expressGate(gate);
express().get('/invoices', requireAction('invoices.read'), (req, res) => {
  const auth: AuthInfo<'invoices.read'> | undefined = getAuth(req);
  res.json({ sub: auth?.claims.sub });
});

const koa = koaGate(gate);
new Koa().use(koa.requireAction('invoices.read')).use((ctx) => {
  ctx.body = { sub: koa.getAuthOrThrow(ctx).claims.sub };
});

export const scope: readonly string[] | undefined = findBearerChallenge('Bearer scope="a b"')?.scope;

const mcpGuard = createMcpGuard({ gate, connect: 'invoices.read', tools: { list_invoices: 'invoices.read' } });
export async function mcpSubject(token: string): Promise<string | undefined> {
  const decision: McpDecision<'invoices.read'> = await mcpGuard.check({
    method: 'POST',
    path: '/mcp',
    authorization: `Bearer ${token}`,
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_invoices' } },
  });
  const info: McpAuthInfo<'invoices.read'> | undefined = decision.allow ? decision.authInfo : undefined;
  return info?.extra.actiongate.claims.sub;
}
