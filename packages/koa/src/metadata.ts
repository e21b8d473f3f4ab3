/**
 * The RFC 9728 metadata middleware. The document's path is derived from the resource
 * identifier (§3.1: `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`),
 * always from the origin's root, so it is matched against the request target as received
 * (`ctx.originalUrl`), never against `ctx.path`, which koa-mount rewrites.
 */
import type { Gate } from '@actiongate/core';
import type { Middleware } from 'koa';

const QUESTION_MARK = 63;

/** Whether the request target `target` names exactly `path` (a query may follow). */
export function targetsPath(target: string, path: string): boolean {
  if (target.charCodeAt(0) !== 47) {
    // The absolute form (RFC 9112 §3.2.2), which Node passes through as the URL.
    try {
      return new URL(target).pathname === path;
    } catch {
      return false;
    }
  }
  if (!target.startsWith(path)) return false;
  return target.length === path.length || target.charCodeAt(path.length) === QUESTION_MARK;
}

export function metadataMiddleware(gate: Gate<string>): Middleware {
  const document = JSON.stringify(gate.metadata);
  const path = gate.metadataPath;
  return async function metadata(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !targetsPath(ctx.originalUrl, path)) return next();
    ctx.type = 'application/json';
    ctx.body = document;
  };
}
