/**
 * Alice at her browser: when an MCP client sends her to the authorization server, she signs in
 * on its pages (password, then her second factor when the request asks for a step-up scope)
 * and approves or denies. Driven over plain HTTP by the demo authorization server's user agent;
 * each authorization is recorded so a test can count them.
 */
import { createUserAgent, DEMO_SECOND_FACTOR, DEMO_USERS } from '@actiongate-examples/authorization-server/interactive';
import type { AuthorizationRecord, Ledger } from './ledger.js';

export type Decision = 'approve' | 'deny';

export interface AuthorizationRequestView {
  /** The scopes the client asks for, as Alice's consent page would list them. */
  readonly scopes: readonly string[];
  /** How many authorizations Alice went through before this one. */
  readonly index: number;
}

export interface AliceOptions {
  readonly ledger: Ledger;
  readonly username?: string;
  /** Alice's decision on each consent page; approves by default. */
  readonly decide?: (request: AuthorizationRequestView) => Decision;
  /** Told of each authorization once it ends (the demo narrates them). */
  readonly onAuthorization?: (record: AuthorizationRecord) => void;
}

export class Alice {
  readonly #ledger: Ledger;
  readonly #username: string;
  readonly #decide: (request: AuthorizationRequestView) => Decision;
  readonly #onAuthorization: ((record: AuthorizationRecord) => void) | undefined;
  #lastRedirect: URL | undefined;

  constructor(options: AliceOptions) {
    this.#ledger = options.ledger;
    this.#username = options.username ?? 'alice';
    this.#decide = options.decide ?? (() => 'approve');
    this.#onAuthorization = options.onAuthorization;
  }

  /**
   * Follows `authorizationUrl` through the authorization server's pages as a browser would, with
   * a fresh browser session each time (so every authorization is a real sign-in), and keeps the
   * redirect back to the client for the host to hand to `finishAuth`.
   */
  async authorize(authorizationUrl: URL): Promise<URL> {
    this.#lastRedirect = undefined;
    const scopes = (authorizationUrl.searchParams.get('scope') ?? '').split(' ').filter(Boolean);
    const decision = this.#decide({ scopes, index: this.#ledger.authorizations.length });
    const password = (DEMO_USERS as Readonly<Record<string, string>>)[this.#username];
    const secondFactor = DEMO_SECOND_FACTOR[this.#username];
    if (password === undefined) throw new Error(`no demo user ${JSON.stringify(this.#username)}`);
    const forms: string[] = [];
    const browser = createUserAgent({
      username: this.#username,
      password,
      ...(secondFactor === undefined ? {} : { secondFactor }),
      decision,
      fetch: formsPosted(forms),
    });
    const redirect = await browser.authorize(authorizationUrl);
    const record: AuthorizationRecord = {
      scopes,
      prompt: authorizationUrl.searchParams.get('prompt') ?? undefined,
      forms,
      decision,
      redirect,
    };
    this.#ledger.authorizations.push(record);
    this.#onAuthorization?.(record);
    this.#lastRedirect = redirect;
    return redirect;
  }

  /** The redirect of the authorization that just ended, once: the host takes it to `finishAuth`. */
  takeRedirect(): URL | undefined {
    const redirect = this.#lastRedirect;
    this.#lastRedirect = undefined;
    return redirect;
  }
}

/** The authorization server's interaction pages: `/interaction/{uid}/{step}`. */
const INTERACTION_FORM = /^\/interaction\/[^/]+\/([a-z-]+)$/;

/** A `fetch` for Alice's browser that notes each interaction form she submits (login, second-factor, consent). */
function formsPosted(forms: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const step = INTERACTION_FORM.exec(url.pathname)?.[1];
    if ((init?.method ?? 'GET').toUpperCase() === 'POST' && step !== undefined) forms.push(step);
    return response;
  };
}
