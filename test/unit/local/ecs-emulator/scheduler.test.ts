import { describe, expect, it } from 'vitest';
import { isKnownRegion, newInstanceId } from '../../../../local/ecs-emulator/regions.js';
import { Scheduler } from '../../../../local/ecs-emulator/scheduler.js';

describe('Scheduler', () => {
  it('flushes in due order, ties in scheduling order, including work scheduled meanwhile', () => {
    const scheduler = new Scheduler((e) => {
      throw e;
    });
    const ran: string[] = [];
    scheduler.after(50_000, () => ran.push('late'));
    scheduler.after(10_000, () => {
      ran.push('a');
      // Due 5 ms after a's own due time, so after b: flushing is as if the time had passed.
      scheduler.after(5, () => ran.push('a+5'));
      scheduler.after(60_000, () => ran.push('a+60s'));
    });
    scheduler.after(10_002, () => ran.push('b'));
    scheduler.after(10_002, () => ran.push('c'));
    expect(scheduler.pending).toBe(4);
    scheduler.flush();
    expect(ran).toEqual(['a', 'b', 'c', 'a+5', 'late', 'a+60s']);
    expect(scheduler.pending).toBe(0);
  });

  it('runs on real timers, reports a failing task and goes on, and resolves idle when done', async () => {
    const errors: unknown[] = [];
    const scheduler = new Scheduler((e) => errors.push(e));
    const ran: number[] = [];
    scheduler.after(5, () => {
      throw new Error('boom');
    });
    scheduler.after(10, () => ran.push(10));
    await scheduler.idle();
    expect(ran).toEqual([10]);
    expect(errors).toEqual([new Error('boom')]);
    await scheduler.idle(); // nothing pending: resolves at once
  });

  it('cancels everything on close and accepts no more work', async () => {
    const scheduler = new Scheduler(() => {});
    const ran: string[] = [];
    scheduler.after(5, () => ran.push('x'));
    const idle = scheduler.idle();
    scheduler.close();
    await idle;
    scheduler.after(0, () => ran.push('y'));
    expect(scheduler.pending).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([]);
  });
});

describe('instance ids', () => {
  it('look like real ones: i-, the region prefix, 22 characters, never a taken one', () => {
    const taken = new Set<string>();
    for (let n = 0; n < 200; n += 1) {
      const id = newInstanceId('cn-shanghai', (candidate) => taken.has(candidate));
      expect(id).toMatch(/^i-uf6[a-z0-9]{17}$/);
      expect(taken.has(id)).toBe(false);
      taken.add(id);
    }
    expect(newInstanceId('me-central-1', () => false)).toMatch(/^i-xx0[a-z0-9]{17}$/);
    expect(isKnownRegion('cn-hangzhou')).toBe(true);
    expect(isKnownRegion('xx-nowhere-1')).toBe(false);
  });
});
