/**
 * A complete parser for `WWW-Authenticate` (RFC 9110 §11.6.1):
 *
 *   WWW-Authenticate = #challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *
 * Several challenges in one field and in several fields, token68, quoted-string escapes,
 * commas inside quotes, case-insensitive scheme and parameter names. A challenge that repeats
 * a parameter is refused (RFC 9110 §11.2: each parameter name MUST only occur once); a field
 * that breaks the grammar yields no challenge at all. It never throws.
 */

export interface Challenge {
  /** The scheme as sent; compare it case-insensitively (or use `schemeLower`). */
  readonly scheme: string;
  readonly schemeLower: string;
  /** Parameters by lowercase name; values unquoted and unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Basic <credentials>`), when the challenge uses it. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

class Cursor {
  position = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  /** OWS = *( SP / HTAB ) */
  skipWhitespace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
  }

  token(): string {
    const start = this.position;
    while (!this.done && TCHAR.test(this.peek())) this.position++;
    return this.text.slice(start, this.position);
  }

  /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; `undefined` when malformed. */
  quotedString(): string | undefined {
    this.position++; // the opening quote
    let value = '';
    while (!this.done) {
      const char = this.peek();
      const code = char.charCodeAt(0);
      if (char === '"') {
        this.position++;
        return value;
      }
      if (char === '\\') {
        const escaped = this.text[this.position + 1];
        if (escaped === undefined || !isQuotedPairChar(escaped.charCodeAt(0))) return undefined;
        value += escaped;
        this.position += 2;
        continue;
      }
      if (!isQdText(code)) return undefined;
      value += char;
      this.position++;
    }
    return undefined; // unterminated
  }
}

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
const isQdText = (code: number) =>
  code === 0x09 ||
  code === 0x20 ||
  code === 0x21 ||
  (code >= 0x23 && code <= 0x5b) ||
  (code >= 0x5d && code <= 0x7e) ||
  (code >= 0x80 && code <= 0xff);
// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
const isQuotedPairChar = (code: number) =>
  code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);

/** After a list separator: skips `OWS "," OWS` runs (empty list elements are allowed). */
function skipSeparators(cursor: Cursor): void {
  for (;;) {
    cursor.skipWhitespace();
    if (cursor.peek() !== ',') return;
    cursor.position++;
  }
}

/** True when the cursor stands at `token BWS "="`, i.e. an auth-param rather than a new challenge. */
function atParameter(cursor: Cursor): boolean {
  const start = cursor.position;
  const name = cursor.token();
  cursor.skipWhitespace();
  const result = name.length > 0 && cursor.peek() === '=';
  cursor.position = start;
  return result;
}

/** The challenges of one field value, or `undefined` when it breaks the grammar. */
function parseField(text: string): Challenge[] | undefined {
  const cursor = new Cursor(text);
  const challenges: Challenge[] = [];
  skipSeparators(cursor);
  while (!cursor.done) {
    const scheme = cursor.token();
    if (scheme.length === 0) return undefined;
    const params: Record<string, string> = Object.create(null);
    let token68: string | undefined;
    let duplicate = false;

    const afterScheme = cursor.position;
    cursor.skipWhitespace();
    if (!cursor.done && cursor.peek() !== ',') {
      if (cursor.position === afterScheme || text[afterScheme] !== ' ') return undefined; // 1*SP after the scheme
      const match = TOKEN68.exec(text.slice(cursor.position));
      const end = cursor.position + (match?.[0].length ?? 0);
      let after = end;
      while (text[after] === ' ' || text[after] === '\t') after++;
      if (match !== null && (after >= text.length || text[after] === ',') && !atParameterAt(text, cursor.position)) {
        token68 = match[0];
        cursor.position = after;
      } else {
        // #auth-param
        for (;;) {
          const name = cursor.token().toLowerCase();
          if (name.length === 0) return undefined;
          cursor.skipWhitespace();
          if (cursor.peek() !== '=') return undefined;
          cursor.position++;
          cursor.skipWhitespace();
          const value = cursor.peek() === '"' ? cursor.quotedString() : cursor.token() || undefined;
          if (value === undefined) return undefined;
          if (Object.hasOwn(params, name)) duplicate = true;
          params[name] = value;
          cursor.skipWhitespace();
          if (cursor.done) break;
          if (cursor.peek() !== ',') return undefined;
          skipSeparators(cursor);
          if (cursor.done || !atParameter(cursor)) break;
        }
      }
    }
    if (!duplicate) {
      challenges.push({
        scheme,
        schemeLower: scheme.toLowerCase(),
        params: Object.freeze(params),
        ...(token68 === undefined ? {} : { token68 }),
      });
    }
    skipSeparators(cursor);
  }
  return challenges;
}

/** `name=` followed by a value: a token68 such as `abc=` is followed by the end or a comma instead. */
function atParameterAt(text: string, position: number): boolean {
  const cursor = new Cursor(text);
  cursor.position = position;
  if (!atParameter(cursor)) return false;
  cursor.token();
  cursor.skipWhitespace();
  cursor.position++; // "="
  cursor.skipWhitespace();
  return cursor.peek() === '"' || TCHAR.test(cursor.peek());
}

/**
 * `WWW-Authenticate` field values as a caller has them: one string, one per field, or a `Headers`.
 * `null` and `undefined` stand for no field.
 */
export type ChallengeSource =
  | string
  | readonly string[]
  | {
      /** As `Headers.get`: repeated fields joined with ", ". */
      get(name: string): string | null;
    }
  | null
  | undefined;

/**
 * Parses every challenge of one or more `WWW-Authenticate` field values (an array, a string,
 * or a `Headers`, whose `get` joins repeated fields with ", " as RFC 9110 §5.3 allows).
 */
export function parseChallenges(source: ChallengeSource): Challenge[] {
  try {
    let fields: readonly string[];
    if (source === null || source === undefined) return [];
    if (typeof source === 'string') fields = [source];
    else if (Array.isArray(source)) fields = source as readonly string[];
    else {
      const value = (source as { get(name: string): string | null }).get('www-authenticate');
      fields = value === null ? [] : [value];
    }
    const challenges: Challenge[] = [];
    for (const field of fields) if (typeof field === 'string') challenges.push(...(parseField(field) ?? []));
    return challenges;
  } catch {
    return [];
  }
}
