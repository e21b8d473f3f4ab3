/**
 * The pages Alice sees while an MCP client asks for access: sign-in, second factor, consent.
 * Plain server-rendered HTML with no script, every value escaped, so that a person with a
 * browser and a test with `fetch` drive exactly the same forms.
 */
import { escapeHtml } from '../approval-view.js';

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  // Pages with an Approve button must not be framed (clickjacking) nor load anything. No
  // form-action: after the consent POST the browser follows redirects to the client's
  // redirect_uri, which form-action would block.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

export interface PageRequest {
  readonly uid: string;
  readonly csrf: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly stepUpScopes: readonly string[];
  readonly resource: string;
}

const layout = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto}.error{color:#a00}</style></head>` +
  `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

const form = (request: PageRequest, step: 'login' | 'second-factor' | 'consent', fields: string) =>
  `<form method="post" action="/interaction/${encodeURIComponent(request.uid)}/${step}">` +
  `<input type="hidden" name="csrf" value="${escapeHtml(request.csrf)}">${fields}</form>`;

const problem = (error: string | undefined) =>
  error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;

const asking = (request: PageRequest) =>
  `<p><strong>${escapeHtml(request.clientName)}</strong> asks to act for you at <code>${escapeHtml(request.resource)}</code>.</p>`;

export function loginPage(request: PageRequest, error?: string): string {
  return layout(
    'Sign in',
    asking(request) +
      problem(error) +
      form(
        request,
        'login',
        '<p><label>User name <input name="username" autocomplete="username" required></label></p>' +
          '<p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>' +
          '<p><button type="submit">Sign in</button></p>',
      ),
  );
}

export function secondFactorPage(request: PageRequest, challenge: string, error?: string): string {
  const strong = request.scopes.filter((scope) => request.stepUpScopes.includes(scope));
  return layout(
    'Second factor',
    `<p>${strong.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(', ')} needs your authenticator.</p>` +
      `<p>Enter this challenge in your authenticator: <code id="challenge">${escapeHtml(challenge)}</code></p>` +
      problem(error) +
      form(
        request,
        'second-factor',
        '<p><label>Response <input name="response" inputmode="numeric" autocomplete="one-time-code" required></label></p>' +
          '<p><button type="submit">Verify</button></p>',
      ),
  );
}

export function consentPage(request: PageRequest, accountId: string): string {
  const items = request.scopes
    .map((scope) => {
      const strong = request.stepUpScopes.includes(scope) ? ' (second factor passed)' : '';
      return `<li><code>${escapeHtml(scope)}</code>${strong}</li>`;
    })
    .join('');
  return layout(
    'Allow access?',
    `<p>Signed in as <strong>${escapeHtml(accountId)}</strong>.</p>` +
      asking(request) +
      `<p>It asks for:</p><ul id="scopes">${items || '<li>no scopes</li>'}</ul>` +
      form(
        request,
        'consent',
        '<p><button type="submit" name="decision" value="approve">Approve</button> ' +
          '<button type="submit" name="decision" value="deny">Deny</button></p>',
      ),
  );
}

export function endedPage(message: string): string {
  return layout('Sign-in ended', `<p>${escapeHtml(message)}</p><p>Return to the application and start again.</p>`);
}
