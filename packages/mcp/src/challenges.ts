/**
 * Refusals as MCP clients act on them. MCP clients (MCP authorization, "Scope Challenge
 * Handling", revisions 2025-11-25 and 2026-07-28) step up on one thing only: a 403
 * `insufficient_scope` whose `scope` they ask the authorization server for. They do not read
 * RFC 9470's `insufficient_user_authentication`, and a 401 sends them to authorize with the
 * `scope` it names. So, with the gate's own challenge syntax (core's `renderRefusal`):
 *
 * - 401 for a missing or invalid token names the baseline scope (RFC 6750 §3 `scope`), so a
 *   client's first authorization asks for the least that connects;
 * - every shortfall a new grant can cure (scopes, binding, freshness, strong or recent user
 *   authentication, a spent per-action grant) is 403 `insufficient_scope` naming the baseline
 *   first, then every scope of the action in declared order: the complete set the client must
 *   ask for, because MCP clients replace their scopes with the challenge's, not add to them;
 * - 400 `invalid_request`, 500 and 503 are the gate's own.
 *
 * The authorization server must make the step-up scopes cost what the action's checks demand
 * (a strong, recent authentication): that is how an MCP client steps up.
 */
import { type Action, type Gate, REFUSALS, type Refusal, type RefusalCode } from '@actiongate/core';

/** Every distinct scope, in the order first met. */
function union(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

function rendersWithBaseline(code: RefusalCode): boolean {
  const { status, error } = REFUSALS[code];
  return status === 401 && error !== 'insufficient_user_authentication';
}

function curableByScopes(code: RefusalCode): boolean {
  const { status, error } = REFUSALS[code];
  return status === 403 || error === 'insufficient_user_authentication';
}

/** One action's MCP refusals for requests that used one scheme. */
interface SchemeRefusals {
  readonly byCode: ReadonlyMap<RefusalCode, Refusal>;
  /** The gate's step-up refusal that also lacks scopes (its headers identify it), and its MCP form. */
  readonly stepUpWithScope: { readonly headers: object; readonly rendered: Refusal };
}

/** By the scheme the request used: `error` sits in that scheme's challenge only (RFC 9449 §7.1). */
export interface RefusalTable {
  readonly bearer: SchemeRefusals;
  readonly dpop: SchemeRefusals;
}

function schemeRefusals(gate: Gate<string>, baseline: Action, action: Action, used: 'bearer' | 'dpop'): SchemeRefusals {
  const table = new Map<RefusalCode, Refusal>();
  const stepUpScope = union(baseline.challengeScope, action.challengeScope);
  // RFC 9449 §7.1: an action that accepts DPoP only offers the DPoP challenge alone, as the gate does.
  const scheme = { used, dpopOnly: baseline.requireDpop || action.requireDpop };
  for (const code of Object.keys(REFUSALS) as RefusalCode[]) {
    // RFC 9449: a DPoP refusal stays the gate's own, with its error in the DPoP challenge and,
    // for use_dpop_nonce, the DPoP-Nonce header; no scope can cure it.
    if (code.startsWith('dpop_')) continue;
    if (rendersWithBaseline(code)) {
      table.set(code, gate.renderRefusal(code, { scope: baseline.challengeScope, ...scheme }));
    } else if (curableByScopes(code)) {
      // A step-up is answered as a 403 with the description that says why (RFC 6750 §3.1:
      // "insufficient_scope": the request requires higher privileges than the token provides).
      const rendered = code === 'user_authentication_required' ? 'scope_missing' : code;
      table.set(
        code,
        gate.renderRefusal(rendered, { scope: stepUpScope, description: describe(gate, action, code), ...scheme }),
      );
    }
  }
  const prepared = gate.prepare(action.name);
  const gateStepUp = used === 'dpop' ? prepared.viaDpop.stepUpWithScope : prepared.stepUpWithScope;
  return {
    byCode: table,
    // Scopes fell short as well as the user's authentication: say that scopes are missing.
    stepUpWithScope: { headers: gateStepUp.headers, rendered: table.get('scope_missing') as Refusal },
  };
}

/** Every refusal an action can end in, rendered once, at start-up, for MCP clients. */
export function refusalTable(gate: Gate<string>, baseline: Action, action: Action): RefusalTable {
  return {
    bearer: schemeRefusals(gate, baseline, action, 'bearer'),
    dpop: schemeRefusals(gate, baseline, action, 'dpop'),
  };
}

/** The description the gate itself gives this action's refusal (per action for any-of scopes). */
function describe(gate: Gate<string>, action: Action, code: RefusalCode): string {
  if (code === 'scope_missing') return gate.prepare(action.name).insufficient.scope.body.error_description;
  return REFUSALS[code].description;
}

/** The MCP rendering of a refusal the gate decided, for a request that used `scheme`. */
export function renderForMcp(table: RefusalTable, refusal: Refusal, scheme: 'bearer' | 'dpop' = 'bearer'): Refusal {
  const { stepUpWithScope, byCode } = table[scheme];
  const rendered = refusal.headers === stepUpWithScope.headers ? stepUpWithScope.rendered : byCode.get(refusal.code);
  if (rendered === undefined) return refusal; // 400, 500, 503: the gate's own
  const details = refusal.body.authorization_details;
  return details === undefined ? rendered : { ...rendered, body: { ...rendered.body, authorization_details: details } };
}
