/**
 * relevo-client: the four steps of click tracking in an API setup (a visitor ID per device,
 * labels on every call that shows results, a click logged for every returned product that is
 * clicked, the sale logged on the order-success page), for browsers and for Node (server-side
 * rendering). No dependencies; calls go to Relevo's Clerk.io v2 API.
 */

export type Id = string | number;

/**
 * Where the visitor ID comes from. `cookie` (default): a random 16-character ID kept in a
 * first-party cookie for a year (no document, as in Node: no visitor unless a call passes one);
 * `auto`: Relevo's cookieless ID (client IP, user agent, a salt rotating every 30 days); `off`:
 * nothing is tracked; any other string: that visitor ID (server-side rendering).
 */
export type VisitorOption = 'cookie' | 'auto' | 'off' | (string & {});

export interface ClientOptions {
  /** Relevo's address, e.g. `https://relevo.example.com` (`''` for the page's own origin). */
  baseUrl: string;
  /** The store's public key. */
  key: string;
  visitor?: VisitorOption;
  /** Name of the visitor cookie; default `relevo_visitor`. */
  cookieName?: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** Extra request headers (Node only, e.g. the shopper's `user-agent` when rendering on the server). */
  headers?: Record<string, string>;
}

/** Clerk's error envelope; `NetworkError` is the client's own (no answer arrived). */
export interface ErrorEnvelope {
  status: 'error';
  type: 'ParsingError' | 'LogicalError' | 'AuthenticationError' | 'RateLimitError' | 'InternalError' | 'NetworkError' | (string & {});
  message: string;
  id?: string;
  moreInfo?: string;
  [field: string]: unknown;
}

/** A call that failed: Relevo's envelope as answered, with the HTTP status (0 when none came). */
export class RelevoError extends Error {
  readonly type: ErrorEnvelope['type'];
  constructor(
    readonly envelope: ErrorEnvelope,
    readonly httpStatus: number,
  ) {
    super(`${envelope.type}: ${envelope.message}`);
    this.name = 'RelevoError';
    this.type = envelope.type;
  }
}

/** Arguments every result call takes. `labels` name the placement and are required. */
export interface ResultParams {
  labels: string[];
  limit?: number;
  offset?: number;
  filter?: string;
  exclude?: Id[];
  attributes?: string[];
  facets?: string[];
  orderby?: string;
  order?: 'asc' | 'desc';
  /** This call's visitor instead of the client's (server-side rendering). */
  visitor?: string | null;
  [arg: string]: unknown;
}

export interface SearchParams extends ResultParams {
  query: string;
}

export interface Facet {
  type: 'unit' | 'range';
  name: string;
  count: number;
  value?: unknown;
  min?: number;
  max?: number;
}

export interface ResultAnswer<P = Record<string, unknown>> {
  status: 'ok';
  result: Id[];
  count?: number;
  facets?: Record<string, Facet[]> | null;
  product_data?: P[];
  request_id: string;
  [field: string]: unknown;
}

export interface SearchAnswer<P = Record<string, unknown>> extends ResultAnswer<P> {
  hits: number;
  no_exact_match: boolean;
}

export interface SaleLine {
  id: Id;
  /** Unit price. */
  price: number;
  quantity: number;
}

export interface Order {
  sale: Id;
  products: Array<SaleLine | Id>;
  email?: string;
  customer?: Id;
}

export interface ClickArgs {
  product: Id;
  api?: string;
  labels?: string[];
  /** 0-based position in the result list. */
  n?: number;
  request_id?: string;
  external?: boolean;
}

export interface RelevoClient {
  /** The visitor ID sent with calls: the cookie's (created on first use), `auto`, or null (tracking off, or no document). */
  visitor(): string | null;
  /** `recommendations/<endpoint>` (e.g. `popular`, `complementary`, `visitor/history`). */
  recommendations<P = Record<string, unknown>>(endpoint: string, params: ResultParams): Promise<ResultAnswer<P>>;
  /** `search/<endpoint>` (e.g. `search`, `predictive`). */
  search<P = Record<string, unknown>>(endpoint: string, params: SearchParams): Promise<SearchAnswer<P>>;
  /** Any other public endpoint (`product/attributes`, `search/suggestions` …); the answer as sent. */
  call<T = unknown>(endpoint: string, params?: Record<string, unknown>): Promise<T>;
  /** One delegated listener: clicks on `[data-relevo-product]` inside `container` are logged. Returns a function that stops it. */
  trackClicks(container: Pick<Node, 'addEventListener' | 'removeEventListener' | 'contains'>): () => void;
  /** log/click, sent so that a navigation does not lose it (sendBeacon, else fetch keepalive). */
  logClick(click: ClickArgs): Promise<void>;
  logProduct(product: Id): Promise<void>;
  logCategory(category: Id): Promise<void>;
  /** Links this device's visitor to a person (cross-device history). */
  logEmail(email: string): Promise<void>;
  /** log/sale on the order-success page: unit prices and quantities. */
  logSale(order: Order): Promise<void>;
}

const VISITOR = /^[A-Za-z0-9]{1,32}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const YEAR = 31536000;
/** How many result calls are remembered for clicks on what they rendered. */
const REMEMBERED = 100;

/** A random 16-character alphanumeric ID (CSPRNG; bytes ≥ 248 are redrawn so every character is equally likely). */
export function newVisitorId(): string {
  let id = '';
  while (id.length < 16) {
    for (const b of crypto.getRandomValues(new Uint8Array(24))) if (b < 248 && id.length < 16) id += ALPHABET[b % 62];
  }
  return id;
}

interface Rendered {
  api: string;
  labels: string[];
  result: string[];
}

const fail = (type: string, message: string, httpStatus = 0) => new RelevoError({ status: 'error', type, message }, httpStatus);

/** A client for one store. */
export function createClient(options: ClientOptions): RelevoClient {
  const mode = options.visitor ?? 'cookie';
  if (!['cookie', 'auto', 'off'].includes(mode) && !VISITOR.test(mode)) throw new TypeError('visitor: cookie, auto, off or an ID matching ^[A-Za-z0-9]{1,32}$');
  const cookieName = options.cookieName ?? 'relevo_visitor';
  const base = `${options.baseUrl.replace(/\/+$/, '')}/v2/`;
  const rendered = new Map<string, Rendered>();
  const tracking = mode !== 'off';
  let cookieId: string | undefined;

  const visitor = (): string | null => {
    if (mode === 'off') return null;
    if (mode !== 'cookie') return mode;
    if (cookieId) return cookieId;
    if (typeof document === 'undefined') return null;
    const found = document.cookie.split('; ').find((c) => c.startsWith(`${cookieName}=`));
    const value = found?.slice(cookieName.length + 1);
    cookieId = value && VISITOR.test(value) ? value : newVisitorId();
    // Written on every first read of a page: the year runs from the last visit.
    const secure = typeof location !== 'undefined' && location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${cookieName}=${cookieId}; Max-Age=${YEAR}; Path=/; SameSite=Lax${secure}`;
    return cookieId;
  };

  const body = (args: Record<string, unknown>) => JSON.stringify({ key: options.key, ...args });

  // POST with a text/plain body: a "simple" request, so a cross-origin call needs no preflight
  // (Relevo reads the body as JSON whatever its Content-Type).
  const post = async <T>(endpoint: string, args: Record<string, unknown>, keepalive = false): Promise<T> => {
    let res: Response;
    try {
      res = await (options.fetch ?? fetch)(base + endpoint, {
        method: 'POST', body: body(args), keepalive, credentials: 'omit',
        headers: { 'content-type': 'text/plain;charset=UTF-8', ...options.headers },
      });
    } catch (err) {
      throw fail('NetworkError', `${endpoint}: ${(err as Error).message}`);
    }
    let answer: unknown;
    try {
      answer = await res.json();
    } catch {
      throw fail('InternalError', `${endpoint}: HTTP ${res.status} without a JSON answer`, res.status);
    }
    if (Array.isArray(answer)) return answer as T; // product/attributes answers a bare array
    const a = answer as { status?: string };
    if (a?.status !== 'ok') throw new RelevoError(a?.status === 'error' ? (a as ErrorEnvelope) : { status: 'error', type: 'InternalError', message: `${endpoint}: unexpected answer` }, res.status);
    return answer as T;
  };

  /** A tracking call: nothing when tracking is off, or without a visitor (but a sale, which an email or customer may carry). */
  const track = async (endpoint: string, args: Record<string, unknown>, beacon = false): Promise<void> => {
    if (!tracking) return;
    const v = (args.visitor as string | undefined) ?? visitor();
    if (!v && endpoint !== 'log/sale') return;
    const full = { ...args, visitor: v ?? undefined };
    const nav = typeof navigator === 'undefined' ? undefined : navigator;
    if (beacon && typeof nav?.sendBeacon === 'function') {
      try {
        if (nav.sendBeacon(base + endpoint, body(full))) return;
      } catch {
        // a refused beacon (queue full, bad URL) falls back to fetch below
      }
    }
    await post(endpoint, full, true);
  };

  const results = async <A extends ResultAnswer<unknown>>(api: string, params: ResultParams): Promise<A> => {
    const labels = params.labels;
    if (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== 'string' || l.trim() === '')) {
      throw fail('ParsingError', `${api}: labels must name the placement (a list of non-empty strings)`);
    }
    const v = 'visitor' in params ? params.visitor : visitor();
    const answer = await post<A>(api, { ...params, visitor: v ?? undefined });
    if (tracking && answer.request_id) {
      rendered.set(answer.request_id, { api, labels, result: answer.result.map(String) });
      if (rendered.size > REMEMBERED) rendered.delete(rendered.keys().next().value!);
    }
    return answer;
  };

  /** The click of a rendered product: its call by the nearest data-relevo-request, else the latest call that showed it. */
  const clickOf = (el: Element, product: string): ClickArgs => {
    const attr = (name: string) => el.closest(`[data-relevo-${name}]`)?.getAttribute(`data-relevo-${name}`) ?? undefined;
    let requestId = attr('request');
    let call = requestId ? rendered.get(requestId) : undefined;
    if (!requestId) for (const [id, c] of rendered) if (c.result.includes(product)) [requestId, call] = [id, c];
    const labels = attr('labels');
    const position = attr('position');
    const n = position !== undefined ? Number(position) : call?.result.indexOf(product);
    return {
      product, request_id: requestId, api: attr('api') ?? call?.api,
      labels: labels ? (JSON.parse(labels) as string[]) : call?.labels,
      n: n !== undefined && n >= 0 ? n : undefined,
    };
  };

  const logClick = (click: ClickArgs) => track('log/click', { ...click }, true);

  return {
    visitor,
    recommendations: (endpoint, params) => results(`recommendations/${endpoint}`, params),
    search: (endpoint, params) => results(`search/${endpoint}`, params),
    call: (endpoint, params = {}) => post(endpoint, params),
    trackClicks(container) {
      if (!tracking) return () => undefined;
      const onClick = (e: Event) => {
        if ((e as MouseEvent).button > 1) return; // left click, or middle click (a new tab)
        const el = (e.target as Element | null)?.closest?.('[data-relevo-product]');
        if (!el || !container.contains(el)) return;
        logClick(clickOf(el, el.getAttribute('data-relevo-product')!)).catch(() => undefined);
      };
      container.addEventListener('click', onClick);
      container.addEventListener('auxclick', onClick);
      return () => {
        container.removeEventListener('click', onClick);
        container.removeEventListener('auxclick', onClick);
      };
    },
    logClick,
    logProduct: (product) => track('log/product', { product }),
    logCategory: (category) => track('log/category', { category }),
    logEmail: (email) => track('log/email', { email }),
    logSale: (order) => track('log/sale', { ...order }),
  };
}
