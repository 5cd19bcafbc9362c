/** Load generation (autocannon) and the statistics every benchmark reports. */
import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** 2xx answers. */
  ok: number;
}

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  /** Distinct request bodies, cycled through (so each request can carry a different event). */
  bodies?: string[];
  connections: number;
  seconds: number;
}

/** Runs one load test with keep-alive connections. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    connections: spec.connections,
    duration: spec.seconds,
    headers: { 'content-type': 'application/json' },
    ...(spec.bodies
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: spec.bodies![i++ % spec.bodies!.length] }) }] }
      : spec.body ? { body: spec.body } : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ok: result['2xx'],
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
