/**
 * Whether a request target names exactly a path, for serving the RFC 9728 document where the
 * resource identifier puts it (§3.1: always from the origin's root). Adapters pass the target as
 * received (`req.originalUrl`, `ctx.originalUrl`), never a path a router has rewritten.
 */

const SLASH = 47;
const QUESTION_MARK = 63;

/** `target` is `path`, optionally followed by a query; the absolute form is read by its path. */
export function targetsPath(target: string, path: string): boolean {
  if (target.charCodeAt(0) !== SLASH) {
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
