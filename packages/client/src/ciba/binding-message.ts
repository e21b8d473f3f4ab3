/**
 * CIBA §7.1 `binding_message`: what the user sees on both devices, so it must name what the
 * approval grants, not merely which URL asked. It names the action (from the RFC 9396
 * `authorization_details` when there are any: actions, identifier, type; else the method and
 * path), the resource (the host the client called, which the responding server cannot choose)
 * and the scopes, in at most 120 printable ASCII characters (the demo authorization server's
 * limit; CIBA asks for a message short enough for a small screen), e.g.
 * `refund inv_1001 (payment_refund) at api.example.com, scope invoices:read payments:refund`.
 */
import type { StepUpRequest } from '../step-up/types.js';

export const BINDING_MESSAGE_LIMIT = 120;
/** Room kept for the scopes when the action is long. */
const SCOPE_RESERVE = 40;

/** Anything outside printable ASCII becomes `?`, so no server text can break the message's syntax. */
const printable = (value: string) => value.replace(/[^\x20-\x7e]/g, '?');

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 3 ? text.slice(0, Math.max(0, max)) : `${text.slice(0, max - 3)}...`;
}

function describeDetail(entry: Readonly<Record<string, unknown>>): string {
  const type = typeof entry.type === 'string' ? entry.type : 'details';
  const actions = Array.isArray(entry.actions) ? entry.actions.filter((a) => typeof a === 'string') : [];
  const identifier = typeof entry.identifier === 'string' ? ` ${clip(entry.identifier, 32)}` : '';
  return actions.length > 0 ? `${actions.join('+')}${identifier} (${type})` : `${type}${identifier}`;
}

function describeAction(request: StepUpRequest, url: URL): string {
  const details = request.authorizationDetails ?? [];
  if (details.length > 0) return details.map(describeDetail).join('; ');
  return `${request.method} ${url.pathname}`;
}

/**
 * The CIBA binding message for a step-up, e.g.
 * `refund inv_1001 (payment_refund) at api.example.com, scope invoices:read payments:refund`:
 * at most 120 printable ASCII characters, with anything else replaced by `?`.
 */
export function defaultBindingMessage(request: StepUpRequest): string {
  const url = new URL(request.url);
  const where = ` at ${printable(url.host)}`;
  const scopes = request.scope.map(printable);
  const allScopes = scopes.length === 0 ? '' : `, scope ${scopes.join(' ')}`;
  const action = clip(
    printable(describeAction(request, url)),
    BINDING_MESSAGE_LIMIT - where.length - Math.min(allScopes.length, SCOPE_RESERVE),
  );
  let room = BINDING_MESSAGE_LIMIT - action.length - where.length;
  let scopePart = '';
  if (allScopes.length <= room) scopePart = allScopes;
  else {
    // As many scopes as fit, then how many more there are.
    const shown: string[] = [];
    for (const [index, scope] of scopes.entries()) {
      const more = scopes.length - index - 1;
      const candidate = `, scope ${[...shown, scope].join(' ')}${more > 0 ? ` +${more}` : ''}`;
      if (candidate.length > room) break;
      shown.push(scope);
    }
    const hidden = scopes.length - shown.length;
    scopePart = shown.length === 0 ? `, ${scopes.length} scopes` : `, scope ${shown.join(' ')} +${hidden}`;
    room -= scopePart.length;
    if (room < 0) scopePart = '';
  }
  return clip(`${action}${where}${scopePart}`, BINDING_MESSAGE_LIMIT);
}
