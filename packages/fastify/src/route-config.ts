/**
 * A request's route `config`, read on every request of a guarded scope. The public
 * `request.routeOptions` builds a fresh object of a dozen members on each access (about 0.2 µs
 * here); the route context it reads `config` from sits on the request under Fastify's
 * `fastify.context` symbol. That symbol is found once and used only after checking that it leads
 * to the very object `routeOptions.config` returns; otherwise the public getter is used.
 */
import type { FastifyRequest } from 'fastify';

type Config = { readonly action?: unknown } | undefined;

let context: symbol | null | undefined;

function discover(request: FastifyRequest): symbol | null {
  const expected = request.routeOptions.config;
  for (const symbol of Object.getOwnPropertySymbols(request)) {
    if (symbol.description !== 'fastify.context') continue;
    const candidate = (request as unknown as Record<symbol, { config?: unknown } | undefined>)[symbol];
    if (candidate !== undefined && candidate !== null && candidate.config === expected) return symbol;
  }
  return null;
}

export function routeConfig(request: FastifyRequest): Config {
  if (context === undefined) context = discover(request);
  const found = context === null ? undefined : (request as unknown as Record<symbol, { config?: Config }>)[context];
  // A request of another copy of Fastify (its own symbol) falls back to the public getter.
  return found === undefined ? (request.routeOptions.config as Config) : found.config;
}
