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
  const tools = new Map<string, N>();
  for (const [tool, action] of Object.entries(options.tools)) {
    if (typeof action !== 'string' || !gate.actions.has(action)) {
      throw new ConfigurationError(
        `tools.${tool}`,
        `must name a declared action (declared: ${gate.actions.names.join(', ')})`,
      );
    }
    tools.set(tool, action);
  }
  const scopesSupported = options.scopesSupported ?? gate.actions.get(options.connect).scopesUsed;
  if (!Array.isArray(scopesSupported) || scopesSupported.some((scope) => typeof scope !== 'string')) {
    throw new ConfigurationError('scopesSupported', 'must be an array of scope strings');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ConfigurationError('maxBodyBytes', 'must be a whole number of bytes, 1 or more');
  }
  return { gate, connect: options.connect, tools, scopesSupported: Object.freeze([...scopesSupported]), maxBodyBytes };
}
