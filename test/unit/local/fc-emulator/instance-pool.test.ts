import { describe, expect, it } from 'vitest';
import { FcEmulatorClosedError } from '../../../../local/fc-emulator/fc-errors.js';
import { InstancePool, type PooledInstance } from '../../../../local/fc-emulator/instance-pool.js';

class FakeInstance implements PooledInstance {
  state: PooledInstance['state'] = 'ready';
  stopped = false;
  constructor(readonly id: number) {}
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'dead';
  }
}

function pool(maxInstances: number, perInstance = 1) {
  let next = 1;
  return new InstancePool<FakeInstance>({
    maxInstances,
    perInstance,
    create: () => new FakeInstance(next++),
  });
}

/** Whether a promise has settled after the pending microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('InstancePool', () => {
  it('starts an instance per concurrent lease up to the cap, then makes callers wait in order', async () => {
    const p = pool(2);
    const a = await p.acquire();
    const b = await p.acquire();
    expect([a.instance.id, b.instance.id, a.coldStart, b.coldStart]).toEqual([1, 2, true, true]);
    const third = p.acquire();
    const fourth = p.acquire();
    expect(await settled(third)).toBe(false);
    expect(p.waiting).toBe(2);
    b.release();
    const c = await third;
    expect([c.instance.id, c.coldStart]).toEqual([2, false]);
    expect(await settled(fourth)).toBe(false);
    a.release();
    expect((await fourth).instance.id).toBe(1);
    expect(p.started).toBe(2);
  });

  it('reuses a warm instance rather than starting another', async () => {
    const p = pool(5);
    (await p.acquire()).release();
    const again = await p.acquire();
    expect([again.instance.id, again.coldStart, p.started]).toEqual([1, false, 1]);
  });

  it('drops a dead instance and cold-starts a fresh one for the next caller', async () => {
    const p = pool(1);
    const a = await p.acquire();
    const waiting = p.acquire();
    a.instance.state = 'dead'; // e.g. stopped after a timeout
    a.release();
    const b = await waiting;
    expect([b.instance.id, b.coldStart, p.size]).toEqual([2, true, 1]);
  });

  it('runs up to perInstance invocations on one instance', async () => {
    const p = pool(1, 2);
    const a = await p.acquire();
    const b = await p.acquire();
    expect([a.instance.id, b.instance.id, b.coldStart]).toEqual([1, 1, false]);
    expect(await settled(p.acquire())).toBe(false);
  });

  it('tryAcquire takes a free slot, and answers undefined at the cap or while others wait, without queueing', async () => {
    const p = pool(1);
    const a = p.tryAcquire();
    expect(a?.instance.id).toBe(1);
    expect(p.tryAcquire()).toBeUndefined();
    const waiting = p.acquire();
    a?.release();
    const b = await waiting;
    expect(p.tryAcquire()).toBeUndefined();
    expect(p.waiting).toBe(0);
    b.release();
    expect(p.tryAcquire()?.coldStart).toBe(false);
  });

  it('release is idempotent', async () => {
    const p = pool(1);
    const a = await p.acquire();
    a.release();
    a.release();
    const b = await p.acquire();
    expect(await settled(p.acquire())).toBe(false);
    b.release();
  });

  it('close stops every instance and rejects waiting and later callers', async () => {
    const p = pool(1);
    const a = await p.acquire();
    const waiting = p.acquire();
    await p.close();
    expect(a.instance.stopped).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(FcEmulatorClosedError);
    await expect(p.acquire()).rejects.toBeInstanceOf(FcEmulatorClosedError);
  });

  it('retireAll: busy instances finish and stop, idle ones stop at once, and new leases cold-start', async () => {
    const p = pool(2);
    const busy = await p.acquire();
    const idle = await p.acquire();
    idle.release();
    p.retireAll();
    expect(idle.instance.stopped).toBe(true);
    expect(busy.instance.stopped).toBe(false);
    // The busy one still holds a place under the cap of 2: one new instance, then a wait.
    const fresh = await p.acquire();
    expect(fresh.coldStart).toBe(true);
    expect(fresh.instance.id).toBe(3);
    const waiting = p.acquire();
    expect(await settled(waiting)).toBe(false);
    busy.release();
    expect(busy.instance.stopped).toBe(true);
    const next = await waiting;
    expect(next.instance.id).toBe(4);
    expect(p.started).toBe(4);
  });
});
