/**
 * The MCP guard, free of any HTTP framework: one MCP request in (its HTTP method, Authorization
 * fields, standard headers and parsed body), one decision out. In order: the body's syntax and
 * the standard headers (400), then the baseline (`connect`) action, then the tool's action;
 * the first refusal answers, rendered for MCP clients (challenges.ts).
 */
import { extractToken, type Gate, type PreparedAction, type RefusalBody, type RefusalCode } from '@actiongate/core';
import { actionAuth, type McpAuthInfo, toMcpAuthInfo } from './auth-info.js';
import { type RefusalTable, refusalTable, renderForMcp } from './challenges.js';
import { checkStandardHeaders, type StandardHeaders } from './headers.js';
import {
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  MCP_HEADER_MISMATCH,
  type McpMessage,
  promptName,
  type RequestId,
  readMessage,
  resourceUri,
  toolName,
} from './message.js';
import { type McpGuardOptions, normalizeMcpGuardOptions } from './options.js';

/** The facts of one MCP HTTP request. */
export interface McpRequest {
  /** The HTTP method: `POST` carries a message; `GET` opens the SSE stream; `DELETE` ends a session. */
  readonly method: string;
  readonly path: string;
  /** Every `Authorization` field value, in order (see core's `RequestFacts`). */
  readonly authorization: string | readonly string[] | undefined;
  /** Every `DPoP` field value, in order (RFC 9449 §4.1; see core's `RequestFacts`). */
  readonly dpop?: string | readonly string[] | undefined;
  readonly queryAccessToken?: unknown;
  /**
   * An `access_token` member of the body (a JSON body's top-level member, or a form-encoded
   * body's parameter): RFC 6750 §2.2. MCP takes tokens in the header only, so its presence is
   * a 400 `invalid_request`, as for any resource that does not accept body tokens.
   */
  readonly bodyAccessToken?: unknown;
  /** `Mcp-Method` / `Mcp-Name` as received; leave out what the request did not carry. */
  readonly headers?: StandardHeaders;
  /** The parsed JSON body of a POST. */
  readonly body?: unknown;
  /** Why a POST body could not be had. */
  readonly bodyError?: 'unparseable' | 'too_large';
}

/** A JSON-RPC 2.0 error response (§5.1): the body of a protocol refusal (400, 413). */
export interface JsonRpcErrorBody {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly error: { readonly code: number; readonly message: string };
}

/** Why a request was refused: a core refusal code, or one of the guard's protocol checks. */
export type McpRefusalReason = RefusalCode | 'parse_error' | 'body_too_large' | 'batch' | 'header_mismatch';

/** A refused MCP request: write `status`, `headers` and the JSON `body`; nothing of the MCP server has run. */
export interface McpRefusal {
  readonly allow: false;
  readonly status: number;
  /** Lowercase header names: `www-authenticate`, `retry-after`. */
  readonly headers: Readonly<Record<string, string>>;
  /** An OAuth error body for authorization refusals; a JSON-RPC error for protocol ones. */
  readonly body: RefusalBody | JsonRpcErrorBody;
  /** What refused: the gate's own refusal code (before MCP rendering), or the protocol check. */
  readonly reason: McpRefusalReason;
}

/** An allowed MCP request: hand `authInfo` to the SDK (as `req.auth`) and let the transport run. */
export interface McpAllow<N extends string> {
  readonly allow: true;
  /** The action that allowed the request: the tool's, or `connect`. */
  readonly action: N;
  /** For the SDK: set as `req.auth`, passed to tool handlers. */
  readonly authInfo: McpAuthInfo<N>;
  /** Headers to send with the answer (lowercase names): `dpop-nonce` when it rotated (RFC 9449 §9). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What {@link McpGuard.check} answers for one request. */
export type McpDecision<N extends string> = McpAllow<N> | McpRefusal;

/**
 * Guards an MCP endpoint: the baseline action for every request, a tool's action for its
 * `tools/call`, refusals rendered as MCP clients step up (403 `insufficient_scope` naming the
 * baseline and the tool's scopes).
 */
export interface McpGuard<N extends string = string> {
  /** Decides one MCP request. Never rejects: every failure is a refusal (fail closed). */
  check(request: McpRequest): Promise<McpDecision<N>>;
  /** The action a request needs on top of `connect`, if any (for logs and tests). */
  actionFor(message: McpMessage): N | undefined;
  /** The RFC 9728 document to serve, with `scopes_supported` = the baseline. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Where it is served: the path-inserted path (RFC 9728 §3.1) and the root well-known path. */
  readonly metadataPaths: readonly string[];
  readonly maxBodyBytes: number;
  readonly gate: Gate<N>;
  /**
   * For the v2 SDK's native hook, `registerTool(name, { scopeChallenge: guard.scopeChallenge(name) }, …)`:
   * a second line behind the guard. The tool runs only for a request the guard allowed for this
   * tool's action; any other (a route mounted without the guard) gets the SDK's own 403
   * `insufficient_scope` with the scopes the guard would have named.
   */
  scopeChallenge(tool: string): ScopeChallengeHook;
}

/** The shape of `ScopeChallengeHandler` in `@modelcontextprotocol/server` 2.x. */
export type ScopeChallengeHook = (context: {
  readonly authInfo?: { readonly extra?: Record<string, unknown> | undefined } | undefined;
}) => { scopes: [string, ...string[]]; errorDescription?: string } | undefined;

function protocolError(status: number, reason: McpRefusalReason, id: RequestId, code: number, message: string) {
  const body: JsonRpcErrorBody = { jsonrpc: '2.0', id, error: { code, message } };
  return Object.freeze({ allow: false as const, status, headers: Object.freeze({}), body, reason });
}

const ROOT_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * Creates the guard. Throws `ConfigurationError` at start-up for an undeclared `connect` or tool
 * action, or a gate that accepts tokens outside the `Authorization` header.
 */
export function createMcpGuard<N extends string>(options: McpGuardOptions<N>): McpGuard<N> {
  const config = normalizeMcpGuardOptions(options);
  const { gate, tools } = config;
  const baseline = gate.actions.get(config.connect);
  const connect = gate.prepare(config.connect);
  const resource = new URL(gate.metadata.resource);
  // Every action's MCP refusals, rendered now (a bad declaration fails at start-up).
  const tables = new Map<N, { prepared: PreparedAction<N>; refusals: RefusalTable }>();
  const mapped = [config.prompts, config.resources, config.methods].flatMap((map) => [...map.values()]);
  for (const name of new Set([config.connect, ...tools.values(), ...mapped])) {
    tables.set(name, { prepared: gate.prepare(name), refusals: refusalTable(gate, baseline, gate.actions.get(name)) });
  }

  function actionFor(message: McpMessage): N | undefined {
    if (message.kind !== 'method') return undefined;
    if (message.method === 'tools/call') {
      const tool = toolName(message);
      return tool === undefined ? undefined : tools.get(tool);
    }
    const prompt = promptName(message);
    const uri = resourceUri(message);
    return (
      (prompt === undefined ? undefined : config.prompts.get(prompt)) ??
      (uri === undefined ? undefined : config.resources.get(uri)) ??
      config.methods.get(message.method)
    );
  }

  function refused(
    name: N,
    refusal: Parameters<typeof renderForMcp>[1],
    scheme: 'bearer' | 'dpop' = 'bearer',
  ): McpRefusal {
    const table = tables.get(name)?.refusals as RefusalTable;
    const rendered = renderForMcp(table, refusal, scheme);
    return {
      allow: false,
      status: rendered.status,
      headers: rendered.headers,
      body: rendered.body,
      reason: refusal.code,
    };
  }

  /** RFC 6750 §2.2 / §2: the gate's own 400 for a token in the body (or more than one method). */
  async function bodyTokenRefusal(request: McpRequest): Promise<McpRefusal> {
    const decision = await gate.decide(connect, {
      method: request.method,
      path: request.path,
      authorization: request.authorization,
      queryAccessToken: request.queryAccessToken,
      bodyAccessToken: request.bodyAccessToken,
    });
    // The gate accepts header tokens only (options.ts), so this never allows; fail closed if it did.
    return refused(config.connect, decision.allow ? gate.renderRefusal('internal_error') : decision);
  }

  async function check(request: McpRequest): Promise<McpDecision<N>> {
    let message: McpMessage = { kind: 'other', id: null };
    if (request.method === 'POST') {
      if (request.bodyError === 'too_large') {
        return protocolError(413, 'body_too_large', null, JSONRPC_INVALID_REQUEST, 'Request body too large');
      }
      // A form-encoded body is not JSON, but a token in it is still a token sent the wrong way.
      if (request.bodyAccessToken !== undefined) return bodyTokenRefusal(request);
      if (request.bodyError === 'unparseable') {
        return protocolError(400, 'parse_error', null, JSONRPC_PARSE_ERROR, 'Parse error: the body is not JSON');
      }
      if (request.bodyAccessToken !== undefined) return bodyTokenRefusal(request);
      message = readMessage(request.body);
      // JSON-RPC batching was removed from MCP in 2025-06-18. A batch is refused as a whole,
      // before any authorization, so it can never be cheaper than its most demanding member.
      if (message.kind === 'batch') {
        return protocolError(
          400,
          'batch',
          null,
          JSONRPC_INVALID_REQUEST,
          'Invalid Request: JSON-RPC batches are not accepted',
        );
      }
    }
    if (checkStandardHeaders(message, request.headers ?? {}) === 'mismatch') {
      return protocolError(
        400,
        'header_mismatch',
        message.id,
        MCP_HEADER_MISMATCH,
        'Bad Request: the request headers and body disagree',
      );
    }

    const arguments_ = message.kind === 'method' ? toolArguments(message.params) : undefined;
    const facts = {
      method: request.method,
      path: request.path,
      authorization: request.authorization,
      dpop: request.dpop,
      queryAccessToken: request.queryAccessToken,
      params: arguments_,
      body: request.body,
    };
    const name = actionFor(message);
    // DPoP on: the gate allows only what it accepted, a DPoP token among them.
    const extraction = extractToken(facts, { allowBodyToken: false, allowQueryToken: false, acceptDpop: true });
    // RFC 9449 §7.1: a refusal's error goes in the challenge of the scheme the request used
    // (a gate without DPoP offers Bearer alone, and the rendering ignores this).
    const scheme = extraction.scheme === 'dpop' ? 'dpop' : 'bearer';
    const own =
      name === undefined || name === config.connect ? undefined : (tables.get(name)?.prepared as PreparedAction<N>);
    // RFC 6750 §3.1: Bearer is no method of a DPoP-only tool, whatever the token: the tool's own
    // decision answers dpop_required at once, before the baseline looks at the token.
    if (own !== undefined && scheme === 'bearer' && 'token' in extraction && own.action.requireDpop) {
      const decided = await gate.decide(own, facts);
      if (!decided.allow) return refused(own.action.name, decided, scheme);
    }
    const base = await gate.decide(connect, facts);
    // A tool call short of the baseline is short of the tool's action too: its 403 names the
    // baseline and the tool's scopes, the complete set, since MCP clients replace their scopes
    // with the challenge's (a 401 names the baseline whatever the table, see challenges.ts).
    if (!base.allow) return refused(name ?? config.connect, base, scheme);
    let decision = base;
    if (own !== undefined) {
      const decided = await gate.decide(own, facts);
      if (!decided.allow) return refused(own.action.name, decided, scheme);
      decision = decided;
    }
    // Unreachable after an allow (the gate accepts header tokens only, see options.ts); fail closed.
    if (!('token' in extraction)) return refused(config.connect, gate.renderRefusal('internal_error'));
    return {
      allow: true,
      action: decision.auth.action,
      authInfo: toMcpAuthInfo(extraction.token, decision.auth, resource),
      ...(decision.headers === undefined ? {} : { headers: decision.headers }),
    };
  }

  function scopeChallenge(tool: string): ScopeChallengeHook {
    const name = tools.get(tool) ?? config.connect;
    const scopes = [...new Set([...baseline.challengeScope, ...gate.actions.get(name).challengeScope])];
    if (scopes.length === 0) return () => undefined;
    const challenge = { scopes: scopes as [string, ...string[]] };
    return ({ authInfo }) => {
      const auth = actionAuth(authInfo);
      return auth !== undefined && auth.action === name ? undefined : challenge;
    };
  }

  const metadata = Object.freeze({ ...gate.metadata, scopes_supported: [...config.scopesSupported] });
  const metadataPaths = Object.freeze([...new Set([gate.metadataPath, ROOT_METADATA_PATH])]);
  return Object.freeze({
    check,
    actionFor,
    scopeChallenge,
    metadata,
    metadataPaths,
    maxBodyBytes: config.maxBodyBytes,
    gate,
  });
}

/** A tool call's string arguments as route-like parameters, for actions whose rules read them. */
function toolArguments(params: unknown): Record<string, string> | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const args = (params as { arguments?: unknown }).arguments;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(args)) if (typeof value === 'string') out[key] = value;
  return out;
}
