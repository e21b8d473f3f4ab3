/**
 * The RFC 9728 metadata route. The document's path is derived from the resource identifier
 * (§3.1: `https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`), always from
 * the origin's root, so it is never declared under a prefix, and a request reaches the document
 * only when its target names exactly that path.
 */
import { ConfigurationError, type Gate, targetsPath } from '@actiongate/core';
import type { FastifyInstance } from 'fastify';

/** Declares `GET` (and `HEAD`) `gate.metadataPath` on `fastify`, which must have no prefix. */
export function declareMetadataRoute(fastify: FastifyInstance, gate: Gate<string>, option: string): void {
  if (fastify.prefix !== '') {
    throw new ConfigurationError(
      option,
      `cannot serve the RFC 9728 document under the prefix "${fastify.prefix}": it lives at ${gate.metadataPath} from the origin's root. Register the plugin here with { metadata: false } and the metadata plugin at the root`,
    );
  }
  const document = JSON.stringify(gate.metadata);
  const path = gate.metadataPath;
  fastify.route({
    method: 'GET',
    // find-my-way reads ":" as a parameter; "::" is a literal colon.
    url: path.replaceAll(':', '::'),
    exposeHeadRoute: true,
    handler(request, reply) {
      if (!targetsPath(request.originalUrl, path)) return reply.callNotFound();
      return reply.type('application/json; charset=utf-8').send(document);
    },
  });
}
