/** A Clerk API client for the evaluations: POSTs JSON with the store's keys, times each call. */
import type { BenchStore } from '../bench/lib/stores.js';

export class Client {
  constructor(readonly base: string, readonly store: BenchStore) {}

  /** POSTs a call; returns the body, the status and the latency in ms. */
  async call(endpoint: string, args: Record<string, unknown>, priv = false): Promise<{ status: number; body: any; ms: number }> {
    const started = process.hrtime.bigint();
    const res = await fetch(`${this.base}/v2/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) relevo-eval' },
      body: JSON.stringify({ key: this.store.publicKey, ...(priv ? { private_key: this.store.privateKey } : {}), ...args }),
    });
    const body = await res.json();
    return { status: res.status, body, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  async must(endpoint: string, args: Record<string, unknown>, priv = false): Promise<any> {
    const r = await this.call(endpoint, args, priv);
    if (r.status !== 200) throw new Error(`${endpoint} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }
}
