/**
 * Coverage: a route that names an action (`config: { action }`) must be guarded by a gate plugin,
 * or the app does not start. Fastify gives a plugin's hooks to the scope it is registered in and
 * that scope's children, whenever they were created; a sibling scope or a parent's route is
 * served without them, as if allowed. And an `onRoute` hook sees only the routes declared after
 * it, while Fastify offers no list of routes with their config to read later.
 *
 * So every route of the app is seen from the start: on Fastify's documented
 * `fastify.initialization` diagnostics channel, published when `Fastify()` returns, an `onRoute`
 * hook is added at the root (every scope copies it) and an `onReady` hook that, once every plugin
 * has loaded, refuses to start if a route names an action no gate plugin covers, or one its gate
 * does not declare. The request path is untouched: all of this runs at start-up.
 */
import { subscribe } from 'node:diagnostics_channel';
import { ConfigurationError } from '@actiongate/core';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Checks a name against the gate covering a route; throws `ConfigurationError` for an undeclared one. */
export type NameCheck = (action: unknown, where: string) => void;

/**
 * What one app's coverage needs, on its root instance, so every scope reads it through the
 * prototype chain Fastify's encapsulation builds. Data only, under a registered symbol: the ES
 * module and CommonJS copies of this package share it.
 */
interface Coverage {
  /** Each scope a gate plugin is registered in, with its name check. */
  readonly gates: Map<object, NameCheck>;
  /** Every route declared so far, with the scope it was declared in. */
  readonly routes: { readonly scope: object; readonly options: RouteOptions }[];
}

type RouteHook = (this: FastifyInstance, options: RouteOptions) => void;

export const COVERAGE: unique symbol = Symbol.for('actiongate.fastify.coverage');

export function describeRoute(routeOptions: RouteOptions): string {
  const method = Array.isArray(routeOptions.method) ? routeOptions.method.join(',') : routeOptions.method;
  return `${method} ${routeOptions.url}`;
}

/** The gate covering a scope: the nearest scope, itself or a parent, a gate plugin is registered in. */
function gateOf(coverage: Coverage, scope: object): NameCheck | undefined {
  for (let at: object | null = scope; at !== null; at = Object.getPrototypeOf(at)) {
    const check = coverage.gates.get(at);
    if (check !== undefined) return check;
  }
  return undefined;
}

function verify(coverage: Coverage): void {
  const routes = coverage.routes.splice(0);
  // An app without a gate plugin is not ours to judge: config.action may mean nothing there.
  if (coverage.gates.size === 0) return;
  const unguarded: string[] = [];
  for (const { scope, options } of routes) {
    // Read now, not when declared: a later onRoute hook may have set or replaced the config.
    const config = options.config as { action?: unknown } | undefined;
    const action = config?.action;
    if (action === undefined) continue;
    if (!Object.hasOwn(config as object, 'action')) {
      // Fastify copies only own properties into the route's context, where the guard reads it.
      throw new ConfigurationError(
        `config.action of ${describeRoute(options)}`,
        'is inherited, not an own property of config: Fastify copies only own properties, so the guard would never see it. Write config: { action }',
      );
    }
    const check = gateOf(coverage, scope);
    if (check === undefined) unguarded.push(describeRoute(options));
    else check(action, `config.action of ${describeRoute(options)}`);
  }
  const [first, ...others] = unguarded;
  if (first === undefined) return;
  throw new ConfigurationError(
    `config.action of ${first}`,
    `is not guarded: no actiongate plugin is registered in its scope or a parent one, so Fastify would serve it to anyone${
      others.length > 0 ? ` (and of ${others.join(', ')})` : ''
    }. Register the plugin in a scope that holds the route, before the scopes that declare routes: \`await app.register(plugin)\` at the root guards every scope`,
  );
}

/** Starts watching an app: every route it declares from now on, and a check once it is ready. */
function watch(root: FastifyInstance): { coverage: Coverage; recordRoute: RouteHook } {
  const coverage: Coverage = { gates: new Map(), routes: [] };
  Object.defineProperty(root, COVERAGE, { value: coverage, configurable: true });
  const recordRoute: RouteHook = function recordRoute(this: FastifyInstance, options) {
    coverage.routes.push({ scope: this, options });
  };
  root.addHook('onRoute', recordRoute);
  root.addHook('onReady', function verifyCoverage(done) {
    try {
      verify(coverage);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });
  return { coverage, recordRoute };
}

subscribe('fastify.initialization', (message) => {
  const root = (message as { fastify?: FastifyInstance } | null)?.fastify;
  // Another copy of this package (ES module beside CommonJS) may have been first.
  if (root !== undefined && root !== null && !(COVERAGE in root)) watch(root);
});

/**
 * Enrols a gate plugin's scope. An app created before this module was loaded was not watched
 * from its start: it is adopted if it has no route yet; otherwise the plugin cannot know what
 * was declared before it, and refuses.
 */
export function enrolGate(scope: FastifyInstance, check: NameCheck): void {
  let coverage = (scope as unknown as { [COVERAGE]?: Coverage })[COVERAGE];
  if (coverage === undefined) {
    if (scope.printRoutes() !== '(empty tree)') {
      throw new ConfigurationError(
        'plugin',
        'cannot see the routes declared before it: this Fastify app was created before @actiongate/fastify was loaded. Import @actiongate/fastify before calling Fastify(), or register the plugin before any route',
      );
    }
    // The root is the top of the prototype chain Fastify's scopes are built on.
    let root = scope;
    for (let up = Object.getPrototypeOf(root); typeof up?.route === 'function'; up = Object.getPrototypeOf(up)) {
      root = up;
    }
    const watched = watch(root);
    coverage = watched.coverage;
    // A scope copies its parent's hooks when created: the ones between this scope and the root
    // already exist, so each is given the recorder too.
    const { recordRoute } = watched;
    for (let at: FastifyInstance = scope; at !== root; at = Object.getPrototypeOf(at))
      at.addHook('onRoute', recordRoute);
  }
  coverage.gates.set(scope, check);
}
