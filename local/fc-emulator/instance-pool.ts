import { FcEmulatorClosedError } from './fc-errors.js';

/** What the pool needs of an instance. */
export interface PooledInstance {
  readonly state: 'starting' | 'ready' | 'failed' | 'dead';
  stop(): Promise<void>;
}

/** The right to run one invocation on `instance`; `release()` exactly once when it ends. */
export interface Lease<I extends PooledInstance> {
  instance: I;
  /** The instance was started for this invocation: its module load (cold start) came first. */
  coldStart: boolean;
  release(): void;
}

export interface InstancePoolOptions<I extends PooledInstance> {
  /** Most instances at once (FC's per-function instance limit). */
  maxInstances: number;
  /** Invocations one instance runs at a time (`instanceConcurrency`). */
  perInstance: number;
  create(): I;
}

/**
 * The instances of one function. An invocation takes a free slot on a live instance, else starts a new instance
 * while fewer than `maxInstances` exist, else waits (first come, first served) for a slot to free up. Dead
 * instances (timed out, crashed) are dropped, so the next invocation cold-starts a fresh one.
 */
export class InstancePool<I extends PooledInstance> {
  readonly #options: InstancePoolOptions<I>;
  readonly #active = new Map<I, number>();
  readonly #waiters: Array<{ resolve(lease: Lease<I>): void; reject(error: Error): void }> = [];
  /** Instances of an older configuration: they finish what they run, take nothing new, then stop. */
  readonly #retired = new Set<I>();
  #closed = false;
  /** Instances ever started: each one is a cold start. */
  started = 0;

  constructor(options: InstancePoolOptions<I>) {
    if (options.maxInstances < 1 || options.perInstance < 1) {
      throw new RangeError('maxInstances and perInstance must be at least 1');
    }
    this.#options = options;
  }

  /** Live instances now. */
  get size(): number {
    this.#prune();
    return this.#active.size;
  }

  /** Invocations waiting for a free instance. */
  get waiting(): number {
    return this.#waiters.length;
  }

  acquire(): Promise<Lease<I>> {
    if (this.#closed) return Promise.reject(new FcEmulatorClosedError());
    const lease = this.#tryLease();
    if (lease) return Promise.resolve(lease);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * A slot now, or undefined when every instance is busy at the cap (or others are already waiting for one): FC
   * refuses a sync invocation then instead of queueing it (cloud-facts FC-18).
   */
  tryAcquire(): Lease<I> | undefined {
    if (this.#closed) throw new FcEmulatorClosedError();
    if (this.#waiters.length > 0) return undefined;
    return this.#tryLease();
  }

  /**
   * After the function's code or configuration changed: every live instance finishes the invocations it runs,
   * takes no new one and stops once idle, so later invocations cold-start instances of the new configuration.
   */
  retireAll(): void {
    for (const instance of this.#active.keys()) this.#retired.add(instance);
    this.#stopIdleRetired();
    this.#wake();
  }

  /** Stops every instance and turns away waiting and later invocations. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new FcEmulatorClosedError());
    const instances = [...this.#active.keys()];
    this.#active.clear();
    await Promise.all(instances.map((instance) => instance.stop()));
  }

  #tryLease(): Lease<I> | undefined {
    this.#prune();
    for (const [instance, active] of this.#active) {
      if (instance.state !== 'dead' && !this.#retired.has(instance) && active < this.#options.perInstance) {
        this.#active.set(instance, active + 1);
        return this.#lease(instance, false);
      }
    }
    if (this.#active.size >= this.#options.maxInstances) return undefined;
    const instance = this.#options.create();
    this.started++;
    this.#active.set(instance, 1);
    return this.#lease(instance, true);
  }

  #lease(instance: I, coldStart: boolean): Lease<I> {
    let released = false;
    return {
      instance,
      coldStart,
      release: () => {
        if (released) return;
        released = true;
        const active = this.#active.get(instance);
        if (active !== undefined) this.#active.set(instance, active - 1);
        this.#stopIdleRetired();
        this.#wake();
      },
    };
  }

  #wake(): void {
    while (!this.#closed && this.#waiters.length > 0) {
      const lease = this.#tryLease();
      if (!lease) return;
      this.#waiters.shift()?.resolve(lease);
    }
  }

  /** Retired instances that run nothing any more are stopped and leave the pool (freeing their place). */
  #stopIdleRetired(): void {
    for (const instance of this.#retired) {
      if ((this.#active.get(instance) ?? 0) > 0) continue;
      this.#retired.delete(instance);
      this.#active.delete(instance);
      void instance.stop();
    }
  }

  /** Drops dead instances that nothing runs on any more. */
  #prune(): void {
    for (const [instance, active] of this.#active) {
      if (instance.state === 'dead' && active <= 0) this.#active.delete(instance);
    }
  }
}
