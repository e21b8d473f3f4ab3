/** The options of `createMcpGuard`, checked at start-up (ConfigurationError names the option and the fix). */
import { ConfigurationError, type Gate } from '@actiongate/core';

/** The options of {@link createMcpGuard}. */
export interface McpGuardOptions<N extends string> {
  /** The core gate; its actions include `connect` and every tool's action. */
  readonly gate: Gate<N>;
  /**
   * The baseline action: every request needs it, and every MCP request that is not a
   * `tools/call` of a declared tool (`initialize`, `ping`, `tools/list`, notifications,
   * `resources/read`, `prompts/get`, …), the SSE `GET` and the session `DELETE` needs only it.
   */
  readonly connect: N;
  /** Tool name → action. A tool not listed here needs only `connect`. */
  readonly tools: Readonly<Record<string, N>>;
  /** Prompt name → the action its `prompts/get` needs on top of `connect`. Default none. */
  readonly prompts?: Readonly<Record<string, N>>;
  /**
   * Resource URI → the action its `resources/read`, `resources/subscribe` and
   * `resources/unsubscribe` need on top of `connect` (exact match). Default none.
   */
  readonly resources?: Readonly<Record<string, N>>;
  /**
   * JSON-RPC method → the action every request of that method needs on top of `connect`
   * (`'resources/list'`, `'completion/complete'`, …); a tool, prompt or resource listed above
   * takes precedence for its own request. Not for `tools/call`, which `tools` maps. Default none.
   */
  readonly methods?: Readonly<Record<string, N>>;
  /**
   * RFC 9728 `scopes_supported` of the served metadata. Default: the scopes of `connect`, so a
   * client without a challenge asks for the baseline only (MCP authorization, "Scope Selection
   * Strategy": clients request `scopes_supported` when no challenge names a scope).
   */
  readonly scopesSupported?: readonly string[];
  /** Largest POST body read, in bytes. Default 4 MiB, as the MCP SDK's transport. */
  readonly maxBodyBytes?: number;
}

export interface NormalizedMcpGuardOptions<N extends string> {
  readonly gate: Gate<N>;
  readonly connect: N;
  readonly tools: ReadonlyMap<string, N>;
  readonly prompts: ReadonlyMap<string, N>;
  readonly resources: ReadonlyMap<string, N>;
  readonly methods: ReadonlyMap<string, N>;
  readonly scopesSupported: readonly string[];
  readonly maxBodyBytes: number;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

export function normalizeMcpGuardOptions<N extends string>(options: McpGuardOptions<N>): NormalizedMcpGuardOptions<N> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'must be { gate, connect, tools }');
  }
  const { gate } = options;
  if (typeof gate !== 'object' || gate === null || typeof gate.decide !== 'function') {
    throw new ConfigurationError('gate', 'must be a gate from createGate()');
  }
  const bearerMethods = gate.metadata.bearer_methods_supported ?? ['header'];
  if (bearerMethods.some((method) => method !== 'header')) {
    // MCP authorization, "Token Requirements": tokens only in the Authorization header, never in the query.
    throw new ConfigurationError(
      'gate',
      'must accept tokens in the Authorization header only for MCP: leave tokenMethods.body and tokenMethods.query off',
    );
  }
  if (typeof options.connect !== 'string' || !gate.actions.has(options.connect)) {
    throw new ConfigurationError('connect', `must name a declared action (declared: ${gate.actions.names.join(', ')})`);
  }
  if (typeof options.tools !== 'object' || options.tools === null) {
    throw new ConfigurationError(
      'tools',
      "must map tool names to declared actions, e.g. { list_invoices: 'invoices.list' }",
    );
  }
  const tools = actionMap(gate, 'tools', options.tools);
  const prompts = actionMap(gate, 'prompts', options.prompts ?? {});
  const resources = actionMap(gate, 'resources', options.resources ?? {});
  const methods = actionMap(gate, 'methods', options.methods ?? {});
  if (methods.has('tools/call')) {
    throw new ConfigurationError('methods.tools/call', 'is mapped per tool: use the tools option instead');
  }
  const scopesSupported = options.scopesSupported ?? gate.actions.get(options.connect).scopesUsed;
  if (!Array.isArray(scopesSupported) || scopesSupported.some((scope) => typeof scope !== 'string')) {
    throw new ConfigurationError('scopesSupported', 'must be an array of scope strings');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ConfigurationError('maxBodyBytes', 'must be a whole number of bytes, 1 or more');
  }
  return {
    gate,
    connect: options.connect,
    tools,
    prompts,
    resources,
    methods,
    scopesSupported: Object.freeze([...scopesSupported]),
    maxBodyBytes,
  };
}

/** Checks one name → action option: an object whose every value is a declared action. */
function actionMap<N extends string>(gate: Gate<N>, option: string, value: unknown): Map<string, N> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(option, "must map names to declared actions, e.g. { list_invoices: 'invoices.list' }");
  }
  const map = new Map<string, N>();
  for (const [name, action] of Object.entries(value)) {
    if (typeof action !== 'string' || !gate.actions.has(action)) {
      throw new ConfigurationError(
        `${option}.${name}`,
        `must name a declared action (declared: ${gate.actions.names.join(', ')})`,
      );
    }
    map.set(name, action as N);
  }
  return map;
}
