/**
 * The flow inspector (development only): records the last sign-ins step by step — the redirect to
 * the provider, the callback, every back-channel request (discovery, keys, token exchange, userinfo,
 * provider APIs) and each check that passed or failed — with every secret, token, code, state,
 * nonce and PKCE value redacted before it is stored. Nothing sensitive ever reaches the page.
 *
 * Steps are attached to the flow being handled, with no `AsyncLocalStorage` (whose promise hooks
 * would tax every request of the process): the demo runs each inspected auth request inside
 * `inspector.run(flow, …)`, which marks the flow active while it runs, and the provider `fetch`
 * wrapper records into the most recently started active flow. The demo is a one-developer tool:
 * two sign-ins running at the same instant could see a back-channel request under the other one.
 */

/** One recorded step. */
export interface FlowStep {
  readonly at: number;
  /** `ok`: a check passed or a request succeeded; `fail`: it did not; `info`: a plain event. */
  readonly status: 'ok' | 'fail' | 'info';
  readonly title: string;
  /** Redacted key/value details shown under the step. */
  readonly details: readonly (readonly [string, string])[];
}

/** One sign-in (or link, or logout) attempt. */
export interface Flow {
  readonly id: number;
  readonly providerId: string;
  readonly kind: 'login' | 'link' | 'logout';
  readonly startedAt: number;
  outcome: 'pending' | 'signed-in' | 'signed-out' | 'failed';
  /** The first 8 characters of `state`: enough to pair the callback with the login, never the value. */
  statePrefix?: string;
  readonly steps: FlowStep[];
}

/** Parameters whose values are credentials or one-time secrets: never stored. */
const SECRET_PARAMS = new Set([
  'code',
  'state',
  'nonce',
  'code_verifier',
  'code_challenge',
  'client_secret',
  'client_assertion',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'logout_token',
  'token',
  'assertion',
  'password',
  'user',
  'dpop',
  'authorization',
  'cookie',
]);

/**
 * Names whose values are secret whatever the list above says: every `*_token` (RFC 6749 §5.1,
 * RFC 8693 §2.2.1 `issued_token`, Slack's nested `authed_user.access_token`), `*_secret`,
 * `*_verifier`, `*_assertion`, `*_token_hint`, `*password`.
 */
const SECRET_SUFFIX = /(?:_token|_secret|_verifier|_assertion|_token_hint|password)$/;

/**
 * Whether a parameter or member name carries a credential or a one-time secret.
 *
 * @param name - a query, form or JSON member name.
 * @returns true when its value must never be stored.
 */
export function isSecretName(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_PARAMS.has(n) || SECRET_SUFFIX.test(n);
}

/** A short description of a secret value: its length only. */
export function redacted(value: string): string {
  return `[redacted, ${value.length} chars]`;
}

/** Redacts a parameter value when its name is a credential. */
export function redactParam(name: string, value: string): string {
  return isSecretName(name) ? redacted(value) : value.length > 300 ? `${value.slice(0, 300)}…` : value;
}

/** The URL without its query, plus its query parameters redacted. */
export function describeUrl(url: string | URL): { endpoint: string; params: (readonly [string, string])[] } {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return { endpoint: '(invalid URL)', params: [] };
  }
  const params = [...u.searchParams].map(([k, v]) => [k, redactParam(k, v)] as const);
  return { endpoint: `${u.origin}${u.pathname}`, params };
}

/** A JSON value with the values of secret members (at any depth) replaced by their length. */
function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactJson(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretName(k) ? redacted(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')) : redactJson(v, depth + 1)]),
  );
}

/** What a token endpoint answered, without any token value (nested ones included). */
function describeTokenBody(body: Record<string, unknown>): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (isSecretName(k)) {
      const text = typeof v === 'string' ? v : '';
      const header = k === 'id_token' ? jwtHeader(text) : '';
      out.push([k, `present ${redacted(text)}${header}`]);
    } else out.push([k, typeof v === 'string' ? v.slice(0, 300) : (JSON.stringify(redactJson(v)) ?? '').slice(0, 300)]);
  }
  return out;
}

/** The protected header of a JWT (algorithm and key id are not secret). */
function jwtHeader(jwt: string): string {
  const first = jwt.split('.')[0];
  if (!first) return '';
  try {
    const h = JSON.parse(Buffer.from(first, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown; typ?: unknown };
    const parts = [`alg ${String(h.alg)}`];
    if (typeof h.kid === 'string') parts.push(`kid ${h.kid.slice(0, 40)}`);
    return `, header: ${parts.join(', ')}`;
  } catch {
    return '';
  }
}

/** Names the kind of back-channel request from its URL. */
function labelFor(url: URL, method: string): string {
  const p = url.pathname;
  if (p.includes('/.well-known/')) return 'Discovery document';
  if (/\/(certs|keys|jwks(\.json)?)$/.test(p)) return 'Provider signing keys (JWKS)';
  if (method === 'POST' && /token$/.test(p)) return 'Token exchange';
  if (/userinfo$/.test(p)) return 'Userinfo';
  if (/revoke$/.test(p)) return 'Token revocation';
  return 'Provider API call';
}

/** The flow recorder. */
export class FlowInspector {
  readonly #flows: Flow[] = [];
  /** The flows whose request is being handled, oldest first. */
  readonly #active: Flow[] = [];
  #next = 1;

  constructor(
    private readonly max = 20,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The recorded flows, newest first. */
  list(): readonly Flow[] {
    return [...this.#flows].reverse();
  }

  /** Starts a flow. */
  start(providerId: string, kind: Flow['kind']): Flow {
    const flow: Flow = { id: this.#next++, providerId, kind, startedAt: this.clock(), outcome: 'pending', steps: [] };
    this.#flows.push(flow);
    while (this.#flows.length > this.max) this.#flows.shift();
    return flow;
  }

  /** The pending flow whose login produced this `state`, or a new one. */
  forCallback(providerId: string, state: string | null): Flow {
    const prefix = state?.slice(0, 8);
    const found = prefix ? this.#flows.find((f) => f.statePrefix === prefix && f.providerId === providerId) : undefined;
    return found ?? this.start(providerId, 'login');
  }

  /** Runs `fn` with `flow` active (the current flow while no later one starts), until it settles. */
  async run<T>(flow: Flow, fn: () => Promise<T>): Promise<T> {
    this.#active.push(flow);
    try {
      return await fn();
    } finally {
      const at = this.#active.lastIndexOf(flow);
      if (at !== -1) this.#active.splice(at, 1);
    }
  }

  /** The flow being handled (the most recently started active one), if any. */
  current(): Flow | undefined {
    return this.#active.at(-1);
  }

  /** Adds a step to `flow` (default: the current one). */
  step(status: FlowStep['status'], title: string, details: readonly (readonly [string, string])[] = [], flow = this.current()): void {
    flow?.steps.push({ at: this.clock(), status, title, details });
  }

  /** Wraps a `fetch` so every back-channel request is recorded (redacted) into the current flow. */
  wrapFetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const flow = this.current();
      const request = input instanceof Request ? input : undefined;
      const url = new URL(request ? request.url : String(input));
      const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
      const started = this.clock();
      const details: (readonly [string, string])[] = [['request', `${method} ${url.origin}${url.pathname}`]];
      for (const [k, v] of url.searchParams) details.push([`query ${k}`, redactParam(k, v)]);
      const body = init?.body;
      if (body instanceof URLSearchParams || typeof body === 'string') {
        const form = new URLSearchParams(String(body));
        for (const [k, v] of form) details.push([`body ${k}`, redactParam(k, v)]);
      }
      const headers = new Headers(init?.headers ?? request?.headers);
      if (headers.has('authorization')) {
        const scheme = (headers.get('authorization') ?? '').split(' ')[0] ?? '';
        details.push(['authorization', `${scheme} [redacted]${scheme.toLowerCase() === 'basic' ? ' (client id and secret)' : ''}`]);
      }
      try {
        const res = await inner(input, init);
        details.push(['answer', `HTTP ${res.status} in ${this.clock() - started} ms`]);
        if (flow && labelFor(url, method) === 'Token exchange') {
          try {
            const text = await res.clone().text();
            const parsed = (res.headers.get('content-type') ?? '').includes('json')
              ? (JSON.parse(text) as Record<string, unknown>)
              : Object.fromEntries(new URLSearchParams(text));
            details.push(...describeTokenBody(parsed));
          } catch {
            // Unreadable body: the library reports it; nothing to add here.
          }
        }
        this.step(res.ok ? 'ok' : 'fail', labelFor(url, method), details, flow);
        return res;
      } catch (error) {
        details.push(['failure', error instanceof Error ? error.name : 'unknown error']);
        this.step('fail', labelFor(url, method), details, flow);
        throw error;
      }
    };
    return wrapped as typeof fetch;
  }
}
