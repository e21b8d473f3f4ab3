/**
 * Who is signed in to the approval inbox: a random session id in an HttpOnly, SameSite=Strict
 * cookie scoped to the inbox's path, and a synchronizer CSRF token tied to that session.
 *
 * Why not oidc-provider's own Session: oidc-provider establishes a session only by finishing an
 * interaction that its authorization endpoint started (`interactionFinished` needs the
 * Interaction of an `/auth` request). The inbox has no authorization request: the user comes to
 * it directly because a CIBA request is waiting. So the inbox keeps this small session of its
 * own, and the credential check itself lives in `Accounts`, which an oidc-provider interaction
 * (authorization code + PKCE, issue 12) can call unchanged.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UserSession {
  readonly id: string;
  readonly accountId: string;
  /** The synchronizer token every state-changing form of this session must carry. */
  readonly csrf: string;
  readonly expiresAt: number;
}

export const SESSION_COOKIE = 'actiongate_inbox';
const MAX_SESSIONS = 1_000;

/** ≥128 bits from the CSPRNG, URL-safe: unguessable ids, session ids and tokens. */
export const randomId = (bytes = 32) => randomBytes(bytes).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class UserSessions {
  readonly #sessions = new Map<string, UserSession>();

  constructor(
    readonly path: string,
    readonly ttlSeconds: number,
  ) {}

  create(accountId: string): UserSession {
    const session = { id: randomId(), accountId, csrf: randomId(), expiresAt: Date.now() + this.ttlSeconds * 1000 };
    this.#sessions.set(session.id, session);
    while (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
    return session;
  }

  /** The live session named by the request's cookie, if any. */
  find(req: IncomingMessage): UserSession | undefined {
    const id = readCookie(req, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  destroy(session: UserSession): void {
    this.#sessions.delete(session.id);
  }

  /** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Path: only the inbox gets it. */
  cookie(session: UserSession | undefined): string {
    const value = session === undefined ? '' : session.id;
    const maxAge = session === undefined ? 0 : this.ttlSeconds;
    return `${SESSION_COOKIE}=${value}; Path=${this.path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict`;
  }
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
