/**
 * One typed configuration schema. Defaults run as they are; every bad value is reported at boot.
 * Only this module (and main.ts) reads the environment.
 */
import { z } from 'zod';

const intIn = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const boolish = z
  .union([z.boolean(), z.enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'])])
  .transform((v) => (typeof v === 'boolean' ? v : ['1', 'true', 'yes', 'on'].includes(v)));

export const configSchema = z.object({
  port: intIn(0, 65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  databaseUrl: z.string().min(1).default('sqlite:./data/relevo.db'),
  demo: boolish.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body, bytes. */
  bodyLimit: intIn(1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  /** Deepest accepted JSON nesting of an argument object. */
  maxDepth: intIn(4, 512).default(64),
  /** Proxies whose X-Forwarded-For is believed (comma-separated IPs). */
  trustedProxies: z.string().default('').transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  /** Attribution window, hours. */
  attributionWindowHours: z.coerce.number().positive().max(24 * 90).default(24),
  /** Group commit: flush after this many milliseconds or rows, whichever comes first. */
  // 0: flush at the next turn of the event loop; a batch is then whatever arrived while the
  // previous commit ran (group commit without an idle wait).
  flushIntervalMs: intIn(0, 1000).default(0),
  flushMaxRows: intIn(1, 100000).default(2000),
  /** Uncommitted events the write buffer may hold; beyond it log/* calls are refused (503). */
  maxPendingEvents: intIn(1, 10_000_000).default(50_000),
  rollupFlushMs: intIn(0, 60000).default(1000),
  /** Committed impressions of the last hour the click join keeps in memory (0: only those queued for commit). */
  recentImpressions: intIn(0, 10_000_000).default(20_000),
  /** Public-key calls per second per client IP and store (0 = no limit), and the burst allowed. */
  rateLimit: z.coerce.number().min(0).max(1_000_000).default(0),
  rateBurst: intIn(0, 10_000_000).default(0),
  /** How often an instance tails the catalog change log written by other instances, ms. */
  tailIntervalMs: intIn(50, 60000).default(500),
  /** Worker processes of `relevo serve` (node:cluster, one port); more than 1 needs PostgreSQL. */
  workers: intIn(1, 64).default(1),
  /**
   * node:http timeouts, ms: a whole request (headers and body), its headers alone, and an idle
   * keep-alive connection. They bound how long a slow or stalled client holds a socket.
   */
  requestTimeoutMs: intIn(1000, 3_600_000).default(60_000),
  headersTimeoutMs: intIn(1000, 3_600_000).default(10_000),
  keepAliveTimeoutMs: intIn(100, 3_600_000).default(5_000),
  /**
   * A model snapshot file: start-up restores the models from it and the log tail after it
   * (rebuilding from the events when it is missing or unusable), and a graceful stop writes it.
   * Empty: models are rebuilt from the events at every start.
   */
  snapshot: z.string().max(4096).default(''),
  /** Serve the example headless shop (examples/shop/) at /shop/. */
  exampleShop: boolish.default(false),
  /**
   * Retention, days: raw events and impressions older than this are dropped once rolled up
   * (hourly, and at start-up); sales and rollups are kept. 0: raw records are kept forever.
   */
  retentionDays: intIn(0, 36500).default(0),
})
  .refine((c) => c.headersTimeoutMs <= c.requestTimeoutMs, { path: ['headersTimeoutMs'], message: 'must not exceed the request timeout (RELEVO_REQUEST_TIMEOUT_MS)' })
  // A sale is attributed to the clicks of the window before it: they must still be there (the
  // extra day covers the horizon's rounding to a day and sales logged a little late).
  .refine((c) => c.retentionDays === 0 || c.retentionDays * 24 >= c.attributionWindowHours + 24, {
    path: ['retentionDays'],
    message: 'must be 0 (keep forever) or at least the attribution window (RELEVO_ATTRIBUTION_WINDOW_HOURS) plus a day',
  });

export type Config = z.infer<typeof configSchema>;

/** The environment variables read, and the config key each sets. */
export const ENV_BINDINGS: Record<string, keyof Config> = {
  PORT: 'port',
  HOST: 'host',
  RELEVO_DATABASE_URL: 'databaseUrl',
  RELEVO_DEMO: 'demo',
  RELEVO_LOG_LEVEL: 'logLevel',
  RELEVO_BODY_LIMIT: 'bodyLimit',
  RELEVO_MAX_DEPTH: 'maxDepth',
  RELEVO_TRUSTED_PROXIES: 'trustedProxies',
  RELEVO_ATTRIBUTION_WINDOW_HOURS: 'attributionWindowHours',
  RELEVO_FLUSH_INTERVAL_MS: 'flushIntervalMs',
  RELEVO_FLUSH_MAX_ROWS: 'flushMaxRows',
  RELEVO_MAX_PENDING_EVENTS: 'maxPendingEvents',
  RELEVO_ROLLUP_FLUSH_MS: 'rollupFlushMs',
  RELEVO_RECENT_IMPRESSIONS: 'recentImpressions',
  RELEVO_TAIL_INTERVAL_MS: 'tailIntervalMs',
  RELEVO_RATE_LIMIT: 'rateLimit',
  RELEVO_RATE_BURST: 'rateBurst',
  RELEVO_EXAMPLE_SHOP: 'exampleShop',
  RELEVO_WORKERS: 'workers',
  RELEVO_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  RELEVO_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  RELEVO_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  RELEVO_SNAPSHOT: 'snapshot',
  RELEVO_RETENTION_DAYS: 'retentionDays',
};

export class ConfigError extends Error {}

/** Builds the config from env and explicit overrides; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_BINDINGS)) {
    if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const byKey = Object.fromEntries(Object.entries(ENV_BINDINGS).map(([e, k]) => [k, e]));
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      return `${byKey[key] ?? key}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** A config with defaults and the given overrides, for tests and tools. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({}), logLevel: 'silent', demo: false, ...overrides };
}
