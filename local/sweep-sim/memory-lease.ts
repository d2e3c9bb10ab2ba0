import type { HeldLease, LeaseHandle, LeaseOutcome } from '../../shared/mns/queue-lease.js';
import type { SweepLeaseStore } from '../../shared/sweep/sweep-handler.js';

/**
 * The sweep lease with the semantics MNS gives it (cloud-facts MNS-13, MNS-24), in memory: one holder at a time,
 * and every extension voids the handle it was given, so only the run a hand-over names can take the lease over.
 */
export class MemoryLease implements SweepLeaseStore {
  handle: string | null = null;
  #n = 0;

  async acquire(): Promise<LeaseOutcome> {
    if (this.handle !== null) return { state: 'unavailable', reason: 'timeout' };
    return this.#held();
  }

  async adopt(handle: LeaseHandle): Promise<HeldLease | null> {
    return handle.receiptHandle === this.handle ? this.#held() : null;
  }

  #held(): HeldLease {
    this.handle = `h${++this.#n}`;
    let mine = this.handle;
    return {
      state: 'held',
      release: async () => {
        if (this.handle === mine) this.handle = null;
      },
      handOff: async () => {
        if (this.handle !== mine) return null;
        this.handle = `h${++this.#n}`;
        mine = this.handle;
        return { receiptHandle: mine, enqueuedAt: null };
      },
    };
  }
}
