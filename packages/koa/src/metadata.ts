/**
 * The RFC 9728 metadata middleware. The document's path is derived from the resource
 * identifier (§3.1: `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`),
 * always from the origin's root, so it is matched against the request target as received
 * (`ctx.originalUrl`), never against `ctx.path`, which koa-mount rewrites.
 */
import { type Gate, targetsPath } from '@actiongate/core';
import type { Middleware } from 'koa';

export function metadataMiddleware(gate: Gate<string>): Middleware {
  const document = JSON.stringify(gate.metadata);
  const path = gate.metadataPath;
  return async function metadata(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !targetsPath(ctx.originalUrl, path)) return next();
    ctx.type = 'application/json';
    ctx.body = document;
  };
}
