import { describe, expect, it } from 'vitest';
import { CommitInDoubt, isConnectionError, PostgresHealth, withRetry } from './retry.js';

const lost = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2, op: 'commit' };

describe('withRetry', () => {
  it('tells lost connections from statement errors', () => {
    expect(isConnectionError(lost())).toBe(true);
    expect(isConnectionError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });

  it('retries a lost connection, is degraded meanwhile, and counts errors and retries', async () => {
    const health = new PostgresHealth();
    const faults: string[] = [];
    health.onFault((f) => faults.push(`${f.kind}:${f.op}`));
    let calls = 0;
    const seen: Array<string | null> = [];
    const value = await withRetry(health, fast, async () => {
      seen.push(health.degraded());
      if (++calls < 3) throw lost();
      return 'stored';
    });
    expect(value).toBe('stored');
    expect(seen[0]).toBeNull();
    expect(seen[1]).toMatch(/database unreachable \(commit\)/);
    expect(health.degraded()).toBeNull();
    expect(faults).toEqual(['error:commit', 'retry:commit', 'error:commit', 'retry:commit']);
  });

  it('throws statement errors at once, and the last connection error after every attempt', async () => {
    const health = new PostgresHealth();
    let calls = 0;
    await expect(withRetry(health, fast, async () => {
      calls++;
      throw Object.assign(new Error('syntax'), { code: '42601' });
    })).rejects.toThrow('syntax');
    expect(calls).toBe(1);
    await expect(withRetry(health, fast, async () => {
      calls++;
      throw lost();
    })).rejects.toMatchObject({ type: 'UnavailableError', status: 503, cause: { code: '57P01' } });
    expect(calls).toBe(1 + fast.attempts);
    expect(health.degraded()).toMatch(/unreachable/);
  });

  it('after a COMMIT in doubt asks whether it landed before writing again', async () => {
    const health = new PostgresHealth();
    let writes = 0;
    const landed = await withRetry(health, fast, async () => {
      writes++;
      throw new CommitInDoubt(lost(), '42', 'first');
    }, async (doubt) => ({ value: `${doubt.result} (xid ${doubt.xid})` }));
    expect([landed, writes]).toEqual(['first (xid 42)', 1]);
    writes = 0;
    const rewritten = await withRetry(health, fast, async () => {
      if (++writes === 1) throw new CommitInDoubt(lost(), '43', 'lost');
      return 'again';
    }, async () => null);
    expect([rewritten, writes]).toEqual(['again', 2]);
  });
});
