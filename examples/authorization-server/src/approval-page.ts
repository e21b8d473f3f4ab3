/**
 * The approval inbox over HTTP, where only the user approves:
 * - `GET/POST /approvals/login` signs a user in with their password (Accounts);
 * - `GET /approvals` lists that user's pending requests only (HTML, or JSON for a device app);
 * - `POST /approvals/<approval id>` decides one, with the session's CSRF token, once;
 * - `POST /approvals/logout` ends the session.
 * Every POST must come from this server's own pages (request-guard.ts). Refusals change nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounts } from './accounts.js';
import { inboxJson, inboxPage, loginPage } from './approval-view.js';
import type { ApprovalInbox } from './approvals.js';
import { checkOrigin } from './request-guard.js';
import { sameSecret, type UserSession, type UserSessions } from './user-sessions.js';

export const INBOX_PATH = '/approvals';
const MAX_FORM_BYTES = 8 * 1024;

export interface ApprovalPageContext {
  readonly issuer: URL;
  readonly inbox: ApprovalInbox;
  readonly accounts: Accounts;
  readonly sessions: UserSessions;
}

const HEADERS = {
  'cache-control': 'no-store',
  // A page with an Approve button must not be framed (clickjacking) nor run anything foreign.
  'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html',
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...HEADERS, 'content-type': `${type}; charset=utf-8`, ...extra }).end(body);
}

const wantsJson = (req: IncomingMessage) => (req.headers.accept ?? '').includes('application/json');

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string, description: string) {
  if (wantsJson(req)) send(res, status, JSON.stringify({ error, error_description: description }), 'application/json');
  else send(res, status, `<!doctype html><title>${status}</title><p>${description}</p>`);
}

class FormError extends Error {
  constructor(
    readonly status: 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new FormError(415, 'send an application/x-www-form-urlencoded form');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormError(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Handles the inbox's routes; `false` for any other path (the provider answers those). */
export async function serveApprovalPage(
  context: ApprovalPageContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', context.issuer);
  if (url.pathname !== INBOX_PATH && !url.pathname.startsWith(`${INBOX_PATH}/`)) return false;
  try {
    await route(context, url.pathname.slice(INBOX_PATH.length), req, res);
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    refuse(req, res, error.status, 'invalid_request', error.message);
  }
  return true;
}

async function route(context: ApprovalPageContext, path: string, req: IncomingMessage, res: ServerResponse) {
  const { inbox, accounts, sessions, issuer } = context;
  if (req.method === 'GET' && (path === '/login' || path === '/login/')) return send(res, 200, loginPage());
  if (req.method === 'GET' && (path === '' || path === '/')) {
    const session = sessions.find(req);
    if (session === undefined) {
      if (wantsJson(req)) return refuse(req, res, 401, 'login_required', 'sign in at /approvals/login first');
      return send(res, 401, loginPage('Sign in to see your approvals.'));
    }
    const approvals = inbox.list(session.accountId);
    if (wantsJson(req))
      return send(res, 200, inboxJson(session.accountId, session.csrf, approvals), 'application/json');
    return send(res, 200, inboxPage(session.accountId, session.csrf, approvals));
  }
  if (req.method !== 'POST') return refuse(req, res, 405, 'invalid_request', 'method not allowed');

  // Cross-site forgery is refused before the body is read or anything else is looked at.
  const origin = checkOrigin(req, issuer);
  if (!origin.ok) return refuse(req, res, origin.status, 'access_denied', origin.reason);
  const form = await readForm(req);

  if (path === '/login') {
    const accountId = accounts.verify(form.get('username') ?? '', form.get('password') ?? '');
    if (accountId === undefined) return send(res, 401, loginPage('Wrong user name or password.'));
    // A fresh session id at every login, so a session id planted earlier is worthless (fixation).
    const previous = sessions.find(req);
    if (previous !== undefined) sessions.destroy(previous);
    const session = sessions.create(accountId);
    res.writeHead(303, { ...HEADERS, location: INBOX_PATH, 'set-cookie': sessions.cookie(session) }).end();
    return;
  }

  const session = sessions.find(req);
  if (session === undefined) return refuse(req, res, 401, 'login_required', 'sign in at /approvals/login first');
  if (!validCsrf(session, form)) return refuse(req, res, 403, 'access_denied', 'missing or wrong CSRF token');

  if (path === '/logout') {
    sessions.destroy(session);
    res.writeHead(303, { ...HEADERS, location: `${INBOX_PATH}/login`, 'set-cookie': sessions.cookie(undefined) }).end();
    return;
  }
  const id = /^\/([A-Za-z0-9_-]{1,100})$/.exec(path)?.[1];
  if (id === undefined) return refuse(req, res, 404, 'not_found', 'no such approval');
  const decision = form.get('decision');
  if (decision !== 'approve' && decision !== 'deny') {
    return refuse(req, res, 400, 'invalid_request', 'decision must be approve or deny');
  }
  // Someone else's approval answers exactly like one that does not exist.
  if (!(await inbox.decide(id, decision, session.accountId)))
    return refuse(req, res, 404, 'not_found', 'no such approval');
  if (wantsJson(req)) return send(res, 200, JSON.stringify({ id, decision }), 'application/json');
  res.writeHead(303, { ...HEADERS, location: INBOX_PATH }).end();
}

function validCsrf(session: UserSession, form: URLSearchParams): boolean {
  const token = form.get('csrf');
  return token !== null && sameSecret(token, session.csrf);
}
