/** Enough for a burst of 10,000 launches on one FC instance; about 1 MB. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The instances this FC instance saw holding the role it wanted lately (it attached it, or a write found it so).
 * A second event about one (a launch's ActionTrail record, then its state change) then reads the role before
 * writing, instead of attaching first into a certain refusal (cloud-facts ECS-34). Only a hint: an entry
 * forgotten (the oldest go first past `max`, every one after `ttlMs`) costs a refused attach and a re-read, never
 * a wrong outcome. Hand-written: a Map keeps insertion order, which is all the eviction needs.
 */
export class RecentWrites {
  readonly #at = new Map<string, number>();

  constructor(
    readonly ttlMs: number,
    readonly max = DEFAULT_MAX_ENTRIES,
  ) {}

  note(regionId: string, instanceId: string, now: number): void {
    const key = `${regionId}/${instanceId}`;
    this.#at.delete(key);
    this.#at.set(key, now);
    for (const oldest of this.#at.keys()) {
      if (this.#at.size <= this.max) break;
      this.#at.delete(oldest);
    }
  }

  has(regionId: string, instanceId: string, now: number): boolean {
    const key = `${regionId}/${instanceId}`;
    const at = this.#at.get(key);
    if (at === undefined) return false;
    if (now - at < this.ttlMs) return true;
    this.#at.delete(key);
    return false;
  }

  get size(): number {
    return this.#at.size;
  }
}
