import { describe, expect, it } from 'vitest';
import { OverloadedError } from '../errors.js';
import { WriteBuffer } from './write-buffer.js';

function recordingBuffer(opts: { maxItems?: number; maxWaitMs?: number; fail?: (items: number[]) => boolean; delayMs?: number } = {}) {
  const batches: number[][] = [];
  const committed: number[] = [];
  const buffer = new WriteBuffer<number, number>({
    maxItems: opts.maxItems ?? 100,
    maxWaitMs: opts.maxWaitMs ?? 0,
    write: async (items) => {
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
      if (opts.fail?.(items)) throw new Error('disk full');
      batches.push(items);
      return items.map((i) => i * 10);
    },
    afterCommit: (items) => committed.push(...items),
  });
  return { buffer, batches, committed };
}

describe('WriteBuffer', () => {
  it('answers each caller with its own result after the commit', async () => {
    const { buffer, committed } = recordingBuffer();
    const results = await Promise.all([1, 2, 3].map((i) => buffer.add(i)));
    expect(results).toEqual([10, 20, 30]);
    expect(committed).toEqual([1, 2, 3]);
  });

  it('groups items that arrive while a write runs into the next batch', async () => {
    const { buffer, batches } = recordingBuffer({ delayMs: 20 });
    const first = buffer.add(1);
    await new Promise((r) => setTimeout(r, 5)); // first write is running now
    const rest = [2, 3, 4, 5].map((i) => buffer.add(i));
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('splits at maxItems', async () => {
    const { buffer, batches } = recordingBuffer({ maxItems: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => buffer.add(i)));
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(2);
  });

  it('rejects every caller of a failed batch and acknowledges nothing of it', async () => {
    const { buffer, committed } = recordingBuffer({ fail: (items) => items.includes(2) });
    const results = await Promise.allSettled([1, 2].map((i) => buffer.add(i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(committed).toEqual([]);
    expect(await buffer.add(3)).toBe(30);
  });

  it('flushes on close and refuses items afterwards', async () => {
    const { buffer, committed } = recordingBuffer({ maxWaitMs: 10000 });
    const pending = buffer.add(7);
    await buffer.close();
    expect(await pending).toBe(70);
    expect(committed).toEqual([7]);
    await expect(buffer.add(8)).rejects.toThrow('closed');
  });

  it('refuses items past maxPending while a commit is held, counting the batch being written, and takes them again after it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const buffer = new WriteBuffer<number, number>({
      maxItems: 2, maxWaitMs: 0, maxPending: 3,
      write: async (items) => {
        await held;
        return items;
      },
    });
    const first = [buffer.add(1), buffer.add(2)];
    await new Promise((r) => setImmediate(r)); // 1 and 2 are now being written, not queued
    expect(buffer.pending).toBe(0);
    expect(buffer.uncommitted).toBe(2);
    const third = buffer.add(3);
    expect(buffer.hasRoom(1)).toBe(false);
    await expect(buffer.add(4)).rejects.toBeInstanceOf(OverloadedError);
    await expect(buffer.add(4)).rejects.toMatchObject({ status: 503, retryAfter: 1 });
    release();
    expect(await Promise.all([...first, third])).toEqual([1, 2, 3]);
    expect(buffer.uncommitted).toBe(0);
    expect(await buffer.add(5)).toBe(5);
  });
});
