/**
 * A route naming an action must be in a gate plugin's scope, or the app does not start (Fastify
 * would serve it unguarded). `onRoute` is not retroactive and Fastify lists no route configs, so
 * each app is watched from `Fastify()` on, through the `fastify.initialization` channel.
 */
import { subscribe } from 'node:diagnostics_channel';
import { ConfigurationError } from '@actiongate/core';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Throws `ConfigurationError` for a name the covering gate does not declare. */
export type NameCheck = (action: unknown, where: string) => void;
type Recorder = (this: FastifyInstance, options: RouteOptions) => void;

/** On the root, so every scope reads it (prototype chain); shared by the ESM and CJS copies. */
interface Coverage {
  readonly gates: Map<object, NameCheck>;
  readonly routes: { scope: object; options: RouteOptions }[];
  checked?: true;
}

export const COVERAGE: unique symbol = Symbol.for('actiongate.fastify.coverage');

export function describeRoute(options: RouteOptions): string {
  return `${Array.isArray(options.method) ? options.method.join(',') : options.method} ${options.url}`;
}

function verify({ gates, routes }: Coverage): void {
  const declared = routes.splice(0);
  // An app without a gate plugin is left alone: config.action may mean something else there.
  if (gates.size === 0) return;
  const unguarded: string[] = [];
  for (const { scope, options } of declared) {
    // Read now: a later onRoute hook may have set the config.
    const config = options.config as { action?: unknown } | undefined;
    if (config?.action === undefined) continue;
    const where = `config.action of ${describeRoute(options)}`;
    // Fastify copies only own properties into the route context the guard reads.
    if (!Object.hasOwn(config, 'action')) throw new ConfigurationError(where, 'must be an own property of config');
    let check: NameCheck | undefined;
    for (let at: object | null = scope; check === undefined && at !== null; at = Object.getPrototypeOf(at)) {
      check = gates.get(at);
    }
    if (check === undefined) unguarded.push(describeRoute(options));
    else check(config.action, where);
  }
  if (unguarded.length === 0) return;
  const [first, ...others] = unguarded;
  throw new ConfigurationError(
    `config.action of ${first}`,
    `is not guarded: no actiongate plugin is registered in its scope or a parent one${others.length ? ` (nor for ${others.join(', ')})` : ''}. Register it in a scope holding the route, before that route's scope: \`await app.register(plugin)\` at the root guards all`,
  );
}

function watch(root: FastifyInstance): { coverage: Coverage; record: Recorder } {
  const coverage: Coverage = { gates: new Map(), routes: [] };
  Object.defineProperty(root, COVERAGE, { value: coverage, configurable: true });
  const record: Recorder = function recordRoute(options) {
    coverage.routes.push({ scope: this, options });
    // Declared from an onReady hook after the check (Fastify lets it into the router, half built):
    // checked now, and a throw keeps it out of the router.
    if (coverage.checked) verify(coverage);
  };
  root.addHook('onRoute', record);
  root.addHook('onReady', (done) => {
    try {
      coverage.checked = true;
      verify(coverage);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
  return { coverage, record };
}

subscribe('fastify.initialization', (message) => {
  const root = (message as { fastify?: FastifyInstance })?.fastify;
  if (root && !(COVERAGE in root)) watch(root);
});

/** An app created before this module loaded is adopted only while it has no route. */
export function enrolGate(scope: FastifyInstance, check: NameCheck): void {
  let coverage = (scope as { [COVERAGE]?: Coverage })[COVERAGE];
  if (coverage === undefined) {
    if (scope.printRoutes() !== '(empty tree)') {
      throw new ConfigurationError(
        'plugin',
        'cannot see the routes declared before it: this app was created before @actiongate/fastify was loaded. Import it before calling Fastify()',
      );
    }
    let root = scope;
    while (typeof Object.getPrototypeOf(root)?.route === 'function') root = Object.getPrototypeOf(root);
    const watched = watch(root);
    coverage = watched.coverage;
    for (let at = scope; at !== root; at = Object.getPrototypeOf(at)) at.addHook('onRoute', watched.record);
  }
  coverage.gates.set(scope, check);
}
