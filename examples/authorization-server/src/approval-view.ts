/**
 * The inbox's HTML: what each request actually asks for (the binding message, the client, the
 * resource, the scopes, the acr, and every RFC 9396 authorization_details entry with its type,
 * actions and identifier), so the user approves what will be granted and not a label. Every
 * value is escaped; nothing from a request reaches the page as markup.
 */
import type { PendingApproval } from './approvals.js';

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const KNOWN = new Set(['type', 'actions', 'identifier']);

function value(item: unknown): string {
  if (typeof item === 'string') return item;
  return JSON.stringify(item) ?? String(item);
}

function detail(entry: Readonly<Record<string, unknown>>): string {
  const actions = Array.isArray(entry.actions) ? entry.actions.map(value).join(', ') : undefined;
  const rows: [string, string | undefined][] = [
    ['type', value(entry.type)],
    ['actions', actions],
    ['identifier', entry.identifier === undefined ? undefined : value(entry.identifier)],
    // RFC 9396 §2: any other field is part of what is authorized, so it is shown too.
    ...Object.entries(entry)
      .filter(([key]) => !KNOWN.has(key))
      .map(([key, item]): [string, string] => [key, value(item)]),
  ];
  const cells = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([key, text]) => `<dt>${escapeHtml(key)}</dt><dd><code>${escapeHtml(text)}</code></dd>`)
    .join('');
  return `<dl class="detail">${cells}</dl>`;
}

function approvalItem(approval: PendingApproval, csrf: string): string {
  const details = approval.authorizationDetails ?? [];
  return `<li>
  <h2>${escapeHtml(approval.bindingMessage ?? '(no message)')}</h2>
  <dl>
    <dt>client</dt><dd><code>${escapeHtml(approval.clientId)}</code></dd>
    <dt>resource</dt><dd><code>${escapeHtml(approval.resource ?? '(none named)')}</code></dd>
    <dt>scopes</dt><dd>${approval.scope
      .split(' ')
      .filter(Boolean)
      .map((scope) => `<code>${escapeHtml(scope)}</code>`)
      .join(' ')}</dd>
    <dt>authentication</dt><dd><code>${escapeHtml(approval.acrValues ?? '(any)')}</code></dd>
    <dt>authorization details</dt><dd>${details.length === 0 ? '(none)' : details.map(detail).join('')}</dd>
  </dl>
  <form method="post" action="/approvals/${escapeHtml(approval.id)}">
    <input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
    <button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>
  </form></li>`;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title><body>${body}</body></html>`;

export function inboxPage(accountId: string, csrf: string, approvals: readonly PendingApproval[]): string {
  const items = approvals.map((approval) => approvalItem(approval, csrf)).join('\n');
  return page(
    'Approvals',
    `<p>Signed in as <strong>${escapeHtml(accountId)}</strong>.
<form method="post" action="/approvals/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button>Sign out</button></form></p>
<h1>Pending approvals</h1><ul>${items || '<li>none</li>'}</ul>`,
  );
}

/** The sign-in form; `action` lets another login (an oidc-provider interaction) post it elsewhere. */
export function loginPage(message?: string, action = '/approvals/login'): string {
  return page(
    'Sign in',
    `<h1>Sign in to approve requests</h1>${message === undefined ? '' : `<p role="alert">${escapeHtml(message)}</p>`}
<form method="post" action="${escapeHtml(action)}">
  <label>User <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button>Sign in</button>
</form>`,
  );
}

/** The inbox as JSON for a device app: the same facts, and the session's CSRF token. */
export function inboxJson(accountId: string, csrf: string, approvals: readonly PendingApproval[]): string {
  return JSON.stringify({
    account: accountId,
    csrf,
    approvals: approvals.map(
      ({ id, clientId, resource, scope, acrValues, bindingMessage, authorizationDetails, expiresAt }) => ({
        id,
        client_id: clientId,
        resource,
        scope,
        acr_values: acrValues,
        binding_message: bindingMessage,
        authorization_details: authorizationDetails,
        expires_at: new Date(expiresAt).toISOString(),
      }),
    ),
  });
}
