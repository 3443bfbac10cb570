/**
 * The resource semaphore: admission by CPUs, memory, GPUs and step count; GPUs never shared.
 */
import { describe, expect, it } from 'vitest';
import { ResourcePool, type Lease } from '../../lib/engine';
import { isRunId, newRunId } from '../../lib/protocol';

const pool = () => new ResourcePool({ cpus: 4, memory: 8192, gpus: ['0', '1'], concurrency: 3 });

function settled<T>(p: Promise<T>): { value?: T } {
  const box: { value?: T } = {};
  void p.then((v) => (box.value = v));
  return box;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ResourcePool', () => {
  it('admits steps while CPUs last and releases them on release()', async () => {
    const p = pool();
    const a = await p.acquire({ vcpus: 3, memory: 100, gpus: 0 });
    const b = settled(p.acquire({ vcpus: 2, memory: 100, gpus: 0 }));
    const c = settled(p.acquire({ vcpus: 1, memory: 100, gpus: 0 }));
    await tick();
    expect(b.value).toBeUndefined(); // 3 + 2 > 4
    expect(c.value).toBeDefined(); // first fit: the small one goes ahead
    a.release();
    await tick();
    expect(b.value).toBeDefined();
  });

  it('limits memory and the number of steps', async () => {
    const p = pool();
    await p.acquire({ vcpus: 1, memory: 8000, gpus: 0 });
    const m = settled(p.acquire({ vcpus: 1, memory: 500, gpus: 0 }));
    await tick();
    expect(m.value).toBeUndefined();

    const q = new ResourcePool({ cpus: 64, memory: 1 << 20, gpus: [], concurrency: 2 });
    await q.acquire({ vcpus: 1, memory: 1, gpus: 0 });
    await q.acquire({ vcpus: 1, memory: 1, gpus: 0 });
    const third = settled(q.acquire({ vcpus: 1, memory: 1, gpus: 0 }));
    await tick();
    expect(third.value).toBeUndefined();
  });

  it('hands out distinct GPUs and takes them back', async () => {
    const p = pool();
    const a = await p.acquire({ vcpus: 1, memory: 1, gpus: 1 });
    const b = await p.acquire({ vcpus: 1, memory: 1, gpus: 1 });
    expect(new Set([...a.gpus, ...b.gpus])).toEqual(new Set(['0', '1']));
    const c = settled<Lease>(p.acquire({ vcpus: 1, memory: 1, gpus: 1 }));
    await tick();
    expect(c.value).toBeUndefined();
    b.release();
    b.release(); // idempotent
    await tick();
    expect(c.value?.gpus).toEqual(b.gpus);
  });

  it('says why a demand can never fit, with the numbers', async () => {
    const p = pool();
    expect(p.whyNever({ vcpus: 8, memory: 9000, gpus: 3 })).toBe(
      'asks for 8 vCPUs but this machine has 4 and 9000 MiB of memory but this machine has 8192 MiB and 3 GPUs but this machine has 2',
    );
    expect(p.whyNever({ vcpus: 4, memory: 8192, gpus: 2 })).toBeUndefined();
    await expect(p.acquire({ vcpus: 5, memory: 1, gpus: 0 })).rejects.toThrow(/5 vCPUs but this machine has 4/);
  });

  it('a waiting acquire rejects when its signal aborts, and frees its place', async () => {
    const p = new ResourcePool({ cpus: 1, memory: 10, gpus: [], concurrency: 1 });
    const held = await p.acquire({ vcpus: 1, memory: 1, gpus: 0 });
    const ac = new AbortController();
    const waiting = p.acquire({ vcpus: 1, memory: 1, gpus: 0 }, ac.signal);
    ac.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    held.release();
    await expect(p.acquire({ vcpus: 1, memory: 1, gpus: 0 })).resolves.toBeDefined();
  });
});

describe('run ids', () => {
  it('sort by start time, to the millisecond', () => {
    const a = newRunId(new Date('2026-11-27T08:15:01.123Z'));
    const b = newRunId(new Date('2026-11-27T08:15:01.124Z'));
    const c = newRunId(new Date('2026-11-27T08:15:02.000Z'));
    expect(a).toMatch(/^20261127-081501-123[0-9a-f]{3}$/);
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(isRunId(a)).toBe(true);
    expect(isRunId('latest')).toBe(false);
  });
});
