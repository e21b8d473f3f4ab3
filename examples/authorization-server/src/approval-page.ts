/**
 * A plain approval page: the pending requests with what each one asks for, and an approve and
 * a deny button. Text is escaped; decisions are POSTed forms.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApprovalInbox, PendingApproval } from './approvals.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function row(approval: PendingApproval): string {
  const details = approval.authorizationDetails === undefined ? '' : JSON.stringify(approval.authorizationDetails);
  return `<li><strong>${escapeHtml(approval.bindingMessage ?? '(no message)')}</strong> for ${escapeHtml(approval.accountId)}
  by ${escapeHtml(approval.clientId)}: scope <code>${escapeHtml(approval.scope)}</code> <code>${escapeHtml(details)}</code>
  <form method="post" action="/approvals/${escapeHtml(approval.id)}">
    <button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>
  </form></li>`;
}

export async function serveApprovalPage(
  inbox: ApprovalInbox,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/approvals') {
    const items = inbox.list().map(row).join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Approvals</title><h1>Pending approvals</h1><ul>${items || '<li>none</li>'}</ul>`);
    return true;
  }
  const match = /^\/approvals\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
  if (req.method === 'POST' && match) {
    let body = '';
    for await (const chunk of req) body += chunk;
    const decision = new URLSearchParams(body).get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      res.writeHead(400).end('decision must be approve or deny');
      return true;
    }
    const done = await inbox.decide(match[1] as string, decision);
    res.writeHead(done ? 303 : 404, { location: '/approvals' }).end();
    return true;
  }
  return false;
}
