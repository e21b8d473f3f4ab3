/**
 * Verifies the RFC 9728 metadata a challenge points to before anything is asked of the
 * authorization server. The `resource_metadata` URL comes from the responding server, so it
 * is a claim to check, not a key to trust:
 *
 * - the document must live at the origin the client called, or at the origin of a resource the
 *   client was configured to trust (a server cannot point the client at a third party);
 * - it is fetched without following redirects, with a timeout and a size cap, and cached
 *   (bounded in entries and bytes);
 * - RFC 9728 §3.3: when its URL was formed by inserting the well-known path, `resource` must be
 *   identical to the identifier it was formed from; and (§3.3, §7.3) `resource` must be the
 *   resource the client called: same origin, and a path prefix of the URL.
 */
import { LRUCache } from 'lru-cache';
import { StepUpError } from './errors.js';
import { readCapped } from './read-capped.js';
import { resourceCovers } from './resource.js';

/**
 * Bounds on fetching RFC 9728 metadata documents, so that a slow or huge document cannot hold a
 * request or fill memory.
 */
export interface MetadataOptions {
  /** Milliseconds to wait for the whole document. Default 5000. */
  readonly timeout?: number;
  /** Largest document accepted, in bytes. Default 16384. */
  readonly maxBytes?: number;
  /** Documents kept. Default 100. */
  readonly maxEntries?: number;
  /** Bytes kept across all documents. Default 1 MiB. */
  readonly maxCacheBytes?: number;
  /** Milliseconds a document is reused. Default 300000. */
  readonly ttl?: number;
}

interface Document {
  readonly resource: string;
  readonly bytes: number;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export function createMetadataVerifier(
  send: typeof fetch,
  trustedOrigins: readonly string[],
  options: MetadataOptions = {},
) {
  const timeout = options.timeout ?? 5000;
  const maxBytes = options.maxBytes ?? 16_384;
  const cache = new LRUCache<string, Document>({
    max: options.maxEntries ?? 100,
    maxSize: options.maxCacheBytes ?? 1_048_576,
    sizeCalculation: (document) => Math.max(1, document.bytes),
    ttl: options.ttl ?? 300_000,
  });
  const pending = new Map<string, Promise<Document>>();

  async function load(url: URL): Promise<Document> {
    let response: Response;
    try {
      response = await send(url, {
        redirect: 'manual', // a redirect would lead the check somewhere the server chose
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeout),
      });
    } catch (cause) {
      throw new StepUpError('metadata_unavailable', 'the resource metadata could not be fetched', { cause });
    }
    try {
      if (response.status !== 200) throw new Error(`the metadata answered ${response.status}, not 200`);
      const text = await readCapped(response, maxBytes);
      const json: unknown = JSON.parse(text);
      const resource = (json as { resource?: unknown } | null)?.resource;
      if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof resource !== 'string') {
        throw new Error('the metadata is not a JSON object with a string "resource" (RFC 9728 §2)');
      }
      return { resource, bytes: text.length };
    } catch (cause) {
      response.body?.cancel().catch(() => {});
      throw new StepUpError('metadata_unavailable', 'the resource metadata is unusable', { cause });
    }
  }

  function fetchDocument(url: URL): Promise<Document> {
    const cached = cache.get(url.href);
    if (cached !== undefined) return Promise.resolve(cached);
    let shared = pending.get(url.href);
    if (shared === undefined) {
      shared = load(url).then((document) => {
        cache.set(url.href, document);
        return document;
      });
      const cleanup = () => pending.delete(url.href);
      shared.then(cleanup, cleanup);
      pending.set(url.href, shared);
    }
    return shared;
  }

  /** Resolves to the verified resource identifier for `called`, or rejects with a `StepUpError`. */
  return async function verify(metadataUrl: string, called: URL): Promise<URL> {
    let url: URL;
    try {
      url = new URL(metadataUrl);
    } catch (cause) {
      throw new StepUpError('metadata_not_allowed', 'the challenge names a resource_metadata that is not a URL', {
        cause,
      });
    }
    if (
      url.username !== '' ||
      url.password !== '' ||
      (url.origin !== called.origin && !trustedOrigins.includes(url.origin))
    ) {
      throw new StepUpError(
        'metadata_not_allowed',
        `the challenge points to metadata at ${url.origin}, neither the origin called nor a trusted one`,
      );
    }
    const document = await fetchDocument(url);
    let resource: URL;
    try {
      resource = new URL(document.resource);
    } catch (cause) {
      throw new StepUpError('resource_mismatch', 'the metadata names a resource that is not a URL', { cause });
    }
    // RFC 9728 §3.3: the identifier the well-known URL was derived from must be the one described.
    if (url.pathname === WELL_KNOWN || url.pathname.startsWith(`${WELL_KNOWN}/`)) {
      const derived = new URL(url.pathname.slice(WELL_KNOWN.length) || '/', url.origin);
      if (derived.href !== resource.href) {
        throw new StepUpError('resource_mismatch', `the metadata at ${url.href} describes ${resource.href}`);
      }
    }
    // RFC 9728 §3.3 and §7.3: the metadata must describe the resource the client called.
    if (resource.hash !== '' || !resourceCovers(resource, called)) {
      throw new StepUpError(
        'resource_mismatch',
        `the metadata describes ${resource.href}, which is not the resource called (${called.origin})`,
      );
    }
    return resource;
  };
}

export type MetadataVerifier = ReturnType<typeof createMetadataVerifier>;
