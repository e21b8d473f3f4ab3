/**
 * Test support: a local issuer (real RS256 keys, an inline JWKS), the contract's actions, and
 * real MCP servers (SDK v1 over Express, SDK v2 over a plain Node handler) on 127.0.0.1:0 behind
 * the guard, recording what the MCP server itself saw.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate, defineActions } from '@actiongate/core';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport as TransportV1 } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import express from 'express';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { z } from 'zod';
import {
  actionAuth,
  createMcpGuard,
  type GuardedRequest,
  type McpGuard,
  mcpHandler,
  mcpMiddleware,
  metadataMiddleware,
  serveMetadata,
} from '../src/index.js';

export const ISSUER = 'https://as.test';
export const MFA = 'urn:actiongate:mfa';

export const actions = defineActions({
  'mcp.connect': { scopes: ['invoices:read'] },
  'invoices.list': { scopes: ['invoices:read'] },
  'invoices.read': { scopes: ['invoices:read'] },
  'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
  'invoices.delete': { scopes: ['invoices:write', 'invoices:delete'], maxTokenAge: 300 },
  'invoices.refund': {
    scopes: ['payments:refund'],
    userAuthentication: { acrValues: [MFA], maxAge: 600 },
    singleUse: 'per-action',
  },
});
export type ActionName = (typeof actions.names)[number];

export const TOOLS = {
  list_invoices: 'invoices.list',
  get_invoice: 'invoices.read',
  export_invoices: 'invoices.export',
  delete_invoice: 'invoices.delete',
  refund_invoice: 'invoices.refund',
} as const;

export interface Issuer {
  readonly jwks: { keys: Record<string, unknown>[] };
  mint(audience: string, claims?: Record<string, unknown>): Promise<string>;
}

export async function createIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    async mint(audience, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: ISSUER,
        aud: audience,
        sub: 'alice',
        client_id: 'mcp-client',
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        scope: 'invoices:read',
        ...claims,
      };
      for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
        .sign(privateKey);
    },
  };
}

/** What the MCP server behind the guard saw. */
export interface Seen {
  /** Requests handed to the MCP transport. */
  transport: number;
  /** Tool calls that ran, with the action their authInfo carried. */
  tools: { tool: string; action: string | undefined; clientId: string | undefined; scopes: string[] }[];
}

export interface McpFixture {
  readonly url: string;
  readonly resource: string;
  readonly origin: string;
  readonly guard: McpGuard<ActionName>;
  readonly seen: Seen;
  mint(claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

type ToolAuth = { token?: string; clientId?: string; scopes?: string[]; extra?: Record<string, unknown> } | undefined;

function record(seen: Seen, tool: string, authInfo: ToolAuth) {
  seen.tools.push({
    tool,
    action: actionAuth(authInfo)?.action,
    clientId: authInfo?.clientId,
    scopes: authInfo?.scopes ?? [],
  });
  return { content: [{ type: 'text' as const, text: JSON.stringify({ tool, ok: true }) }] };
}

function v1Server(seen: Seen) {
  const server = new McpServerV1({ name: 'invoices', version: '1.0.0' });
  for (const tool of Object.keys(TOOLS)) {
    server.registerTool(tool, { inputSchema: { id: z.string().optional() } }, async (_args, extra) =>
      record(seen, tool, extra.authInfo as ToolAuth),
    );
  }
  return server;
}

export function v2Server(seen: Seen, guard: McpGuard<ActionName>) {
  const server = new McpServerV2({ name: 'invoices', version: '1.0.0' });
  for (const tool of Object.keys(TOOLS)) {
    server.registerTool(
      tool,
      { inputSchema: z.object({ id: z.string().optional() }), scopeChallenge: guard.scopeChallenge(tool) },
      async (_args, ctx) => record(seen, tool, ctx.http?.authInfo as ToolAuth),
    );
  }
  return server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * `v1`: SDK v1 over Express; `v2`: SDK v2's Node transport (2025 revisions) over plain Node;
 * `v2-handler`: SDK v2's `createMcpHandler` (2026-07-28, with the 2025 fallback) over plain Node.
 */
export async function startMcp(sdk: 'v1' | 'v2' | 'v2-handler', issuer: Issuer): Promise<McpFixture> {
  const seen: Seen = { transport: 0, tools: [] };
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const http = createServer((req, res) => handle(req, res));
  const origin = await listen(http);
  const resource = `${origin}/mcp`;
  const gate = createGate({
    actions,
    resource,
    realm: 'invoices',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
  });
  const guard = createMcpGuard({ gate, connect: 'mcp.connect', tools: TOOLS });

  if (sdk === 'v1') {
    // SDK v1 over Express: McpServer + StreamableHTTPServerTransport, stateless, one per request.
    const app = express();
    app.use(metadataMiddleware(guard));
    app.all('/mcp', mcpMiddleware(guard), async (req, res) => {
      seen.transport += 1;
      const server = v1Server(seen);
      const transport = new TransportV1({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req as GuardedRequest, res, (req as GuardedRequest).body);
    });
    handle = app;
  } else if (sdk === 'v2-handler') {
    const node = toNodeHandler(createMcpHandler(() => v2Server(seen, guard)));
    const mcp = mcpHandler(guard, async (req, res) => {
      seen.transport += 1;
      await node(req, res, req.body);
    });
    handle = (req, res) => {
      if (serveMetadata(guard, req, res)) return;
      if ((req.url ?? '').split('?')[0] === '/mcp') return mcp(req, res);
      res.writeHead(404).end();
    };
  } else {
    // SDK v2 over a plain Node handler: McpServer + NodeStreamableHTTPServerTransport, stateless.
    const mcp = mcpHandler(guard, async (req, res) => {
      seen.transport += 1;
      const server = v2Server(seen, guard);
      const transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
    handle = (req, res) => {
      if (serveMetadata(guard, req, res)) return;
      if ((req.url ?? '').split('?')[0] === '/mcp') return mcp(req, res);
      res.writeHead(404).end();
    };
  }
  return {
    url: resource,
    resource,
    origin,
    guard,
    seen,
    mint: (claims) => issuer.mint(resource, claims),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A `fetch` that remembers every response's status and challenge, for the SDK clients. */
export function recordingFetch() {
  const responses: { status: number; challenge: string | null }[] = [];
  const requests: { mcpMethod: string | null; mcpName: string | null }[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    requests.push({ mcpMethod: headers.get('mcp-method'), mcpName: headers.get('mcp-name') });
    const response = await fetch(input, init);
    responses.push({ status: response.status, challenge: response.headers.get('www-authenticate') });
    return response;
  };
  return { fetch: fetchImpl, responses, requests };
}

export const RM = (origin: string) => `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`;
