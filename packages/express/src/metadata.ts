/**
 * The RFC 9728 metadata middleware. The document's path is derived from the resource
 * identifier (§3.1: `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`),
 * always from the origin's root, so it is matched against the request target as received
 * (`req.originalUrl`), never against `req.path`, which a router mounted at `/v1` rewrites.
 */
import { type Gate, targetsPath } from '@actiongate/core';
import type { RequestHandler } from 'express';

export function metadataMiddleware(gate: Gate<string>): RequestHandler {
  const document = JSON.stringify(gate.metadata);
  const path = gate.metadataPath;
  return function metadata(req, res, next) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !targetsPath(req.originalUrl, path)) return next();
    res.type('application/json').send(document);
  };
}
