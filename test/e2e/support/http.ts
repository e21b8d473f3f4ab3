/**
 * Raw HTTP as an attacker (or a device) sends it: every header chosen by the caller, `Host`
 * and `Origin` included, and nothing added behind its back. Bounded by a timeout.
 */
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: { host: target.host, ...options.headers },
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const form = (fields: Record<string, string>) => ({
  'content-type': 'application/x-www-form-urlencoded',
  body: new URLSearchParams(fields).toString(),
});

/** Signs in on the inbox's login form, from its own origin; the session cookie (`name=value`). */
export async function signIn(issuer: string, username: string, password: string): Promise<string> {
  const { body, ...type } = form({ username, password });
  const response = await raw(`${issuer}/approvals/login`, {
    method: 'POST',
    headers: { ...type, origin: issuer },
    body,
  });
  const cookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0];
  if (response.status !== 303 || cookie === undefined) throw new Error(`sign-in failed: ${response.status}`);
  return cookie.split(';')[0] as string;
}

export interface InboxView {
  readonly account: string;
  readonly csrf: string;
  readonly approvals: { id: string; binding_message?: string; scope: string; authorization_details?: unknown }[];
}

export async function readInbox(issuer: string, cookie: string): Promise<InboxView> {
  const response = await raw(`${issuer}/approvals`, { headers: { cookie, accept: 'application/json' } });
  if (response.status !== 200) throw new Error(`inbox answered ${response.status}`);
  return JSON.parse(response.body) as InboxView;
}

/** Waits (bounded) until the inbox shows at least one request. */
export async function waitForApproval(issuer: string, cookie: string): Promise<InboxView> {
  for (let i = 0; i < 100; i++) {
    const view = await readInbox(issuer, cookie);
    if (view.approvals.length > 0) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no approval request arrived within 10 s');
}

/** Decides as the signed-in user does, from the inbox page: session cookie, CSRF token, own origin. */
export function decideAs(issuer: string, cookie: string, csrf: string, id: string, decision: 'approve' | 'deny') {
  const { body, ...type } = form({ decision, csrf });
  return raw(`${issuer}/approvals/${id}`, { method: 'POST', headers: { ...type, cookie, origin: issuer }, body });
}
