/**
 * The RFC 9728 metadata middleware. The document's path is derived from the resource
 * identifier (§3.1: `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`),
 * always from the origin's root, so it is matched against the request's own URL, never
 * against a path that `app.route()` or `basePath()` prefixes.
 */
import { type Gate, isMetadataRequest } from '@actiongate/core';
import type { MiddlewareHandler } from 'hono';

export function metadataMiddleware(gate: Gate<string>): MiddlewareHandler {
  const document = JSON.stringify(gate.metadata);
  return async function metadata(c, next) {
    if (!isMetadataRequest(gate, c.req.raw)) return next();
    return c.body(document, 200, { 'content-type': 'application/json' });
  };
}
