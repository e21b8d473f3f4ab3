/**
 * The Fastify plugin: wrapped by fastify-plugin, so that its `onRoute` hook and the request
 * decoration belong to the scope it is registered in. Fastify's encapsulation does the rest: the
 * routes of that scope and of its children are guarded by their `config.action`, a sibling
 * scope's routes are not touched.
 */
import { ConfigurationError, type Gate, type PreparedAction, REFUSALS, UnknownActionError } from '@actiongate/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { describeRoute, enrolGate } from './coverage.js';
import { armRoute, createDecider, type Decider, type GuardSettings, guardIn, runDecider } from './guard.js';
import { declareMetadataRoute } from './metadata.js';
import { routeConfig } from './route-config.js';

/** Options of `fastify.register(gate.plugin, options)`. */
export interface ActionGatePluginOptions {
  /**
   * Declare the RFC 9728 metadata route (`GET`/`HEAD` `gate.metadataPath`) in this scope; `true`
   * by default. Set `false` where the scope has a prefix, or where another registration serves it.
   */
  readonly metadata?: boolean;
}

const SCOPE = Symbol.for('actiongate.fastify.scope');
const INTERNAL_ERROR = JSON.stringify({ error_description: REFUSALS.internal_error.description });
const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

export function createPlugin<N extends string>(
  gate: Gate<N>,
  settings: GuardSettings,
): FastifyPluginAsync<ActionGatePluginOptions> {
  // One decider per action, shared by every route that names it.
  const deciders = new Map<string, Decider>();
  function deciderFor(action: unknown, where: string): Decider {
    if (typeof action !== 'string') {
      throw new ConfigurationError(where, `must be the name of a declared action (got ${typeof action})`);
    }
    let decide = deciders.get(action);
    if (decide === undefined) {
      let prepared: PreparedAction<N>;
      try {
        prepared = gate.prepare(action as N);
      } catch (error) {
        if (!(error instanceof UnknownActionError)) throw error;
        throw new ConfigurationError(where, `names no declared action: ${error.message.replace(/^actiongate: /, '')}`);
      }
      decide = createDecider(gate, prepared, settings);
      deciders.set(action, decide);
    }
    return decide;
  }

  function onRoute(this: FastifyInstance, routeOptions: RouteOptions): void {
    const action = (routeOptions.config as { action?: unknown } | undefined)?.action;
    const where = `config.action of ${describeRoute(routeOptions)}`;
    // An undeclared name fails here, while the route is being declared.
    const configured = action === undefined ? undefined : deciderFor(action, where);
    let attached: Decider | undefined;
    for (const hook of HOOKS) attached ??= guardIn((routeOptions as unknown as Record<string, unknown>)[hook]);
    if (configured !== undefined && attached !== undefined) {
      throw new ConfigurationError(
        where,
        'and a requireAction() hook both guard this route: keep one (each decides, and a single-use token would be spent twice)',
      );
    }
    const decide = configured ?? attached;
    if (decide !== undefined) armRoute(routeOptions, decide, this);
  }

  /**
   * The scope's preValidation hook (after the body is parsed, before schema validation): guards
   * every route of the scope and its children that names an action, including one declared
   * before this plugin finished loading, which `onRoute` never saw (its name is checked at
   * start-up by coverage.ts; were one undeclared all the same, it fails closed with a 500).
   */
  function guardConfigured(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
    const action = routeConfig(request)?.action;
    if (action === undefined) {
      done();
      return;
    }
    let decide: Decider;
    try {
      decide = deciderFor(action, `config.action of ${request.method} ${request.routeOptions.url}`);
    } catch (error) {
      // A programming error, for the logs; the client gets the core's fixed 500, not the route's names.
      request.log.error({ err: error }, 'actiongate: a route names an undeclared action');
      reply.code(500).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(INTERNAL_ERROR);
      return;
    }
    runDecider(decide, request, reply, done);
  }

  async function actiongatePlugin(fastify: FastifyInstance, options: ActionGatePluginOptions): Promise<void> {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError('plugin options', 'must be an object such as { metadata: false }');
    }
    const { metadata = true } = options;
    if (typeof metadata !== 'boolean') {
      throw new ConfigurationError('metadata', `must be true or false (got ${JSON.stringify(metadata)})`);
    }
    // Fastify scopes inherit from their parent's object: a registration above or here is seen.
    if (SCOPE in fastify) {
      throw new ConfigurationError(
        'plugin',
        'is already registered in this scope or a parent one: its routes would be decided twice. Register one actiongate plugin per branch of scopes',
      );
    }
    Object.defineProperty(fastify, SCOPE, { value: true });
    // At start-up, every route naming an action must be in a gate's scope, its name declared.
    enrolGate(fastify, (action, where) => {
      deciderFor(action, where);
    });
    // Declared once, where the plugin is first registered; a child scope's registration reuses it.
    if (!fastify.hasRequestDecorator('actionAuth')) fastify.decorateRequest('actionAuth', undefined);
    fastify.addHook('onRoute', onRoute);
    fastify.addHook('preValidation', guardConfigured);
    if (metadata) declareMetadataRoute(fastify, gate as Gate<string>, 'metadata');
  }
  return fp(actiongatePlugin, { fastify: '5.x', name: '@actiongate/fastify' });
}

/** A plugin that declares only the RFC 9728 metadata route, for an app guarded in prefixed scopes. */
export function createMetadataPlugin(gate: Gate<string>): FastifyPluginAsync {
  async function actiongateMetadata(fastify: FastifyInstance): Promise<void> {
    declareMetadataRoute(fastify, gate, 'metadata');
  }
  return fp(actiongateMetadata, { fastify: '5.x', name: '@actiongate/fastify/metadata' });
}
