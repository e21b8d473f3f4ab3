/**
 * The interaction routes oidc-provider sends the user to (`/interaction/<uid>`): password,
 * then (when a step-up scope is asked for) the second factor, then consent, all within one
 * interaction that finishes once, with both the login and the consent results.
 *
 * Each interaction has its own state here: a synchronizer CSRF token (the forms' only key,
 * besides oidc-provider's interaction cookie), who passed the password, and the one-time
 * challenge of the second factor. A finished interaction answers nothing any more.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Accounts } from '../accounts.js';
import { RateLimiter } from '../approvals.js';
import { MFA } from '../provider.js';
import { checkOrigin } from '../request-guard.js';
import { randomId, sameSecret } from '../user-sessions.js';
import { consentPage, endedPage, loginPage, PAGE_HEADERS, type PageRequest, secondFactorPage } from './pages.js';
import { INTERACTION_TTL } from './provider.js';
import { checkResponse, newChallenge } from './second-factor.js';

export interface InteractionContext {
  readonly issuer: URL;
  readonly provider: Provider;
  readonly accounts: Accounts;
  readonly secondFactors: Readonly<Record<string, string>>;
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly stepUpScopes: readonly string[];
}

interface State {
  readonly csrf: string;
  readonly expiresAt: number;
  accountId?: string;
  passwordAt?: number;
  challenge?: string;
  wrongAnswers: number;
  mfaAt?: number;
  finished: boolean;
}

const MAX_STATES = 1_000;
const MAX_FORM_BYTES = 8 * 1024;
/** Wrong answers to one challenge before it is replaced by a new one. */
const ANSWERS_PER_CHALLENGE = 3;
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|second-factor|consent))?$/;
const GENERIC_LOGIN_ERROR = 'That user name and password do not match, or there were too many attempts. Try again.';
const GENERIC_FACTOR_ERROR = 'That response is not right, or there were too many attempts. Try again.';

const epoch = () => Math.floor(Date.now() / 1000);

function send(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', ...extra }).end(body);
}

/** The posted form, or the status that refuses it (415: not a form, 413: too large). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | 413 | 415> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return 415;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return 413;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createInteractionRoutes(context: InteractionContext) {
  const { provider, accounts } = context;
  const states = new Map<string, State>();
  const guesses = new RateLimiter(10, 60_000);

  const stateOf = (uid: string): State => {
    const now = Date.now();
    const known = states.get(uid);
    if (known !== undefined && known.expiresAt > now) return known;
    for (const [key, value] of states) if (value.expiresAt <= now) states.delete(key);
    while (states.size >= MAX_STATES) states.delete(states.keys().next().value as string);
    const created: State = {
      csrf: randomId(),
      expiresAt: now + INTERACTION_TTL * 1000,
      wrongAnswers: 0,
      finished: false,
    };
    states.set(uid, created);
    return created;
  };

  /** Serves `/interaction/…`; `false` for any other path. */
  return async function serveInteraction(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', context.issuer).pathname;
    const match = ROUTE.exec(path);
    if (!path.startsWith('/interaction/')) return false;
    if (
      match === null ||
      (req.method !== 'GET' && req.method !== 'POST') ||
      (req.method === 'GET') !== (match[2] === undefined)
    ) {
      send(res, 404, endedPage('There is no such page.'));
      return true;
    }
    const [, uid, step] = match as unknown as [string, string, string | undefined];
    if (req.method === 'POST') {
      // Only this server's own pages may post its forms (CSRF, login CSRF).
      const origin = checkOrigin(req, context.issuer);
      if (!origin.ok) {
        send(res, origin.status, endedPage(origin.reason));
        return true;
      }
    }
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      send(res, 400, endedPage('This sign-in has ended or belongs to another browser.'));
      return true;
    }
    // The interaction cookie names the interaction; the path must name the same one.
    if (details.uid !== uid) {
      send(res, 400, endedPage('This sign-in has ended or belongs to another browser.'));
      return true;
    }
    const state = stateOf(uid);
    if (state.finished) {
      send(res, 400, endedPage('This sign-in has ended.'));
      return true;
    }
    const params = details.params as Record<string, unknown>;
    const requested = String(params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const stepUp = requested.some((scope) => context.stepUpScopes.includes(scope));
    const needsLogin = details.prompt.name === 'login';
    const client = await provider.Client.find(String(params.client_id));
    const page: PageRequest = {
      uid,
      csrf: state.csrf,
      clientName: client?.clientName ?? String(params.client_id),
      scopes: requested,
      stepUpScopes: context.stepUpScopes,
      resource: context.resource,
    };
    const challengeFor = () => {
      state.challenge ??= newChallenge();
      return state.challenge;
    };
    // Where this interaction stands: what the user must do next.
    const next = (): 'login' | 'second-factor' | 'consent' => {
      if (needsLogin && state.accountId === undefined) return 'login';
      if (needsLogin && stepUp && state.mfaAt === undefined) return 'second-factor';
      return 'consent';
    };
    const render = (status = 200, error?: string) => {
      const at = next();
      if (at === 'login') send(res, status, loginPage(page, error));
      else if (at === 'second-factor') send(res, status, secondFactorPage(page, challengeFor(), error));
      else send(res, status, consentPage(page, state.accountId ?? String(details.session?.accountId ?? '')));
    };

    if (req.method === 'GET') {
      render();
      return true;
    }
    const form = await readForm(req);
    if (typeof form === 'number') {
      send(res, form, endedPage(form === 413 ? 'The form is too large.' : 'Send the page’s own form.'));
      return true;
    }
    const csrf = form.get('csrf');
    if (csrf === null || !sameSecret(csrf, state.csrf)) {
      send(res, 403, endedPage('This form is not from this sign-in.'));
      return true;
    }
    if (step !== next()) {
      // Skipping ahead (consent before the second factor) or going back: show where things stand.
      render(409);
      return true;
    }
    if (step === 'login') {
      const accountId = accounts.verify(form.get('username') ?? '', form.get('password') ?? '');
      if (accountId === undefined) {
        render(401, GENERIC_LOGIN_ERROR);
        return true;
      }
      state.accountId = accountId;
      state.passwordAt = epoch();
    } else if (step === 'second-factor') {
      const accountId = state.accountId as string;
      const secret = context.secondFactors[accountId];
      const challenge = challengeFor();
      const passed =
        guesses.allow(accountId) &&
        secret !== undefined &&
        checkResponse(secret, challenge, form.get('response') ?? '');
      // The challenge is spent either way once it has served its purpose or its share of guesses.
      if (passed || ++state.wrongAnswers >= ANSWERS_PER_CHALLENGE) {
        state.challenge = undefined;
        state.wrongAnswers = 0;
      }
      if (!passed) {
        render(401, GENERIC_FACTOR_ERROR);
        return true;
      }
      state.mfaAt = epoch();
    } else {
      const decision = form.get('decision');
      const accountId = state.accountId ?? details.session?.accountId;
      if ((decision !== 'approve' && decision !== 'deny') || accountId === undefined) {
        render(400);
        return true;
      }
      state.finished = true;
      const returnTo =
        decision === 'deny'
          ? await provider.interactionResult(
              req,
              res,
              { error: 'access_denied', error_description: 'the user denied the request' },
              { mergeWithLastSubmission: false },
            )
          : await provider.interactionResult(req, res, await approve(details, accountId, requested, state), {
              mergeWithLastSubmission: false,
            });
      res.writeHead(303, { ...PAGE_HEADERS, location: returnTo, 'content-length': '0' }).end();
      return true;
    }
    // Post/redirect/get: the next step's page, at the interaction's own address.
    res.writeHead(303, { ...PAGE_HEADERS, location: `/interaction/${uid}`, 'content-length': '0' }).end();
    return true;
  };

  async function approve(
    details: Awaited<ReturnType<Provider['interactionDetails']>>,
    accountId: string,
    requested: readonly string[],
    state: State,
  ) {
    const clientId = String(details.params.client_id);
    // Step-up scopes only with this interaction's second factor (the login check enforces it too).
    const scopes = requested.filter((scope) => state.mfaAt !== undefined || !context.stepUpScopes.includes(scope));
    const existing =
      details.grantId !== undefined && details.session?.accountId === accountId
        ? await provider.Grant.find(details.grantId)
        : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(scopes.join(' '));
    grant.addResourceScope(context.resource, scopes.filter((scope) => context.scopes.includes(scope)).join(' '));
    const grantId = await grant.save();
    const login =
      state.accountId === undefined
        ? undefined
        : state.mfaAt === undefined
          ? { accountId, amr: ['pwd'], ts: state.passwordAt as number }
          : { accountId, acr: MFA, amr: ['pwd', 'otp'], ts: state.mfaAt };
    return login === undefined ? { consent: { grantId } } : { login, consent: { grantId } };
  }
}
