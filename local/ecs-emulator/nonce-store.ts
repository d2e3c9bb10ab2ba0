/** Requests older than this are refused anyway (the timestamp check), so nonces need only be kept this long. */
export const NONCE_WINDOW_MS = 15 * 60 * 1000;

/** Signature nonces seen per AccessKeyId within the window, to refuse replays (`SignatureNonceUsed`). */
export class NonceStore {
  /** `accessKeyId \n nonce` → when it was first used; insertion order is (about) time order. */
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs = NONCE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Remembers the nonce and returns true, or returns false when this key already used it within the window. */
  use(accessKeyId: string, nonce: string, nowMs: number): boolean {
    for (const [entry, at] of this.#seen) {
      if (nowMs - at < this.#windowMs) break;
      this.#seen.delete(entry);
    }
    const entry = `${accessKeyId}\n${nonce}`;
    const at = this.#seen.get(entry);
    if (at !== undefined && Math.abs(nowMs - at) < this.#windowMs) return false;
    this.#seen.delete(entry);
    this.#seen.set(entry, nowMs);
    return true;
  }
}
