/**
 * Fastify 5 adapter: turns a request into facts, asks the gate, writes the decision through
 * Fastify's reply. It holds no rule of its own; its only declarations merge into Fastify's own
 * interfaces (`request.actionAuth`, route `config.action`), nothing global.
 */
import { type AuthInfo, assertAdapterArguments, ConfigurationError, type Gate } from '@actiongate/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { getAuth, getAuthOrThrow } from './auth.js';
import { type ActionGuard, createDecider, guardHook } from './guard.js';
import { type ActionGatePluginOptions, createMetadataPlugin, createPlugin } from './plugin.js';
import type { RefusalHook } from './refusal.js';

// Defined once in the core, so that every adapter (and each module format) throws the same classes.
export { ActionRefusedError, MissingAuthError, RefusalHookError } from '@actiongate/core';
export { getAuth, getAuthOrThrow, type RegisteredAction } from './auth.js';
export { requestFacts } from './facts.js';
export type { ActionGuard } from './guard.js';
export type { ActionGatePluginOptions } from './plugin.js';
export { type RefusalHook, sendRefusal } from './refusal.js';

/** Options of the Fastify adapter; the defaults suit a plain Fastify app and need no change. */
export interface FastifyAdapterOptions {
  /**
   * What a refusal does. `'respond'` (default): answer with the status, the challenge headers,
   * `cache-control: no-store` and the JSON body. `'error'`: set the status and challenge headers,
   * then throw `ActionRefusedError` to the scope's error handler (Fastify's default one sends its
   * `statusCode` and `headers`). A function: set the status and challenge headers, then let it
   * send the reply (a hook that sends nothing gets the standard refusal). Keep the
   * `WWW-Authenticate` header: clients need it to know how to authenticate (RFC 6750 §3).
   */
  readonly onRefusal?: 'respond' | 'error' | RefusalHook;
}

/**
 * What {@link actiongate} returns: the plugin that guards routes by their `config.action`, a
 * per-action hook, the RFC 9728 metadata plugin and typed readers of the `AuthInfo`, all bound
 * to one gate.
 */
export interface FastifyActionGate<N extends string> {
  /**
   * Register it (`await fastify.register(gate.plugin)`) before declaring routes: every route of
   * that scope and its children with `config: { action }` is guarded (an undeclared name throws
   * `ConfigurationError` when the route is declared), `requireAction()` hooks there meet body
   * errors first, `request.actionAuth` is declared, and the metadata route is served.
   */
  readonly plugin: FastifyPluginAsync<ActionGatePluginOptions>;
  /**
   * A hook (`preHandler`, `preValidation` or `onRequest`) that lets a request through only when
   * its token allows `action`; it works in any scope, with or without the plugin.
   */
  requireAction(action: N): ActionGuard;
  /** A plugin declaring only the metadata route, at the root, when the gate plugin is in prefixed scopes. */
  readonly metadata: FastifyPluginAsync;
  /** The `AuthInfo` of a request the guard allowed; `undefined` on an unguarded route. */
  getAuth(request: FastifyRequest): AuthInfo<N> | undefined;
  /** The `AuthInfo` of a request the guard allowed; throws `MissingAuthError` otherwise. */
  getAuthOrThrow(request: FastifyRequest): AuthInfo<N>;
}

/**
 * Binds a gate from `createGate()` to Fastify 5. Action names are checked against the gate's
 * declarations when `requireAction(name)` is called or a route with `config.action` is declared,
 * so a typo fails at start-up, not on a request.
 *
 * @throws ConfigurationError when `gate` is not a gate or an option is invalid.
 */
export function actiongate<N extends string>(gate: Gate<N>, options: FastifyAdapterOptions = {}): FastifyActionGate<N> {
  assertAdapterArguments(gate, options);
  const { onRefusal = 'respond' } = options;
  if (onRefusal !== 'respond' && onRefusal !== 'error' && typeof onRefusal !== 'function') {
    throw new ConfigurationError(
      'onRefusal',
      'must be "respond", "error" or a function (refusal, request, reply) => void',
    );
  }
  const settings = { onRefusal };
  return {
    plugin: createPlugin(gate, settings),
    // `prepare` throws for an undeclared name now, while the route is being declared.
    requireAction: (action: N) => guardHook(createDecider(gate, gate.prepare(action), settings)),
    metadata: createMetadataPlugin(gate as Gate<string>),
    getAuth: getAuth<N>,
    getAuthOrThrow: getAuthOrThrow<N>,
  };
}
