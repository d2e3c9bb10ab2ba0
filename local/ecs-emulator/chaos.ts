/**
 * Random faults at given rates per action, from a seeded PRNG so that a failing run can be run again
 * (issue 9, "Chaos"). Transient faults are what a client must survive — throttling, 503, a reset connection, an
 * answer that never comes, and the worst of them, a write carried out whose answer is lost; permanent faults
 * are what it must report (documented permanent codes).
 */

/** What the emulator does to one call. */
export type ChaosKind =
  | 'throttling'
  | 'unavailable'
  | 'reset'
  | 'timeout'
  | 'applied-reset'
  | 'applied-timeout'
  | 'permanent';

export const TRANSIENT_KINDS: readonly ChaosKind[] = [
  'throttling',
  'unavailable',
  'reset',
  'timeout',
  'applied-reset',
  'applied-timeout',
];

export interface ChaosRates {
  /** Share of calls (0–1) that get a transient fault, spread evenly over `TRANSIENT_KINDS`. */
  transient: number;
  /** Share of calls (0–1) that get a permanent error. */
  permanent: number;
}

export interface ChaosOptions {
  /** PRNG seed: the same seed and the same calls in the same order give the same faults. */
  seed: number;
  /** Rates per action; `'*'` for any action not listed. */
  rates: Readonly<Record<string, ChaosRates>>;
  /**
   * How long an answer that "never comes" is held before the connection is dropped, in ms: longer than the
   * client's read timeout, so the client sees a timeout.
   */
  timeoutHoldMs: number;
}

/** The permanent error per action: codes no retry changes (cloud-facts ECS-13, ECS-15; Detach's: ECS-33). */
const PERMANENT_CODE: Readonly<Record<string, string>> = {
  AttachInstanceRamRole: 'InvalidUser.PassRoleForbidden',
  DetachInstanceRamRole: 'InvalidUser.PassRoleForbidden',
};
const DEFAULT_PERMANENT_CODE = 'Forbidden.RAM';

/** mulberry32: a small, fast 32-bit PRNG, plenty for spreading faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class EcsChaos {
  readonly timeoutHoldMs: number;
  /** Faults injected so far, per action and kind. */
  readonly injected: Record<string, Partial<Record<ChaosKind, number>>> = {};
  readonly #rates: Readonly<Record<string, ChaosRates>>;
  readonly #random: () => number;

  constructor(options: ChaosOptions) {
    for (const [action, r] of Object.entries(options.rates)) {
      if (!(r.transient >= 0 && r.permanent >= 0 && r.transient + r.permanent <= 1)) {
        throw new Error(`chaos rates for ${action} must be shares between 0 and 1 that add up to ≤ 1`);
      }
    }
    this.#rates = options.rates;
    this.#random = seededRandom(options.seed);
    this.timeoutHoldMs = options.timeoutHoldMs;
  }

  /** Draws the fate of one call of `action`: a fault, or undefined for an ordinary answer. */
  decide(action: string): ChaosKind | undefined {
    const rates = this.#rates[action] ?? this.#rates['*'];
    if (rates === undefined) return undefined;
    const draw = this.#random();
    let kind: ChaosKind | undefined;
    if (draw < rates.permanent) kind = 'permanent';
    else if (draw < rates.permanent + rates.transient) {
      const share = (draw - rates.permanent) / rates.transient;
      kind =
        TRANSIENT_KINDS[Math.min(TRANSIENT_KINDS.length - 1, Math.floor(share * TRANSIENT_KINDS.length))];
    }
    if (kind !== undefined) {
      const counts = this.injected[action] ?? {};
      counts[kind] = (counts[kind] ?? 0) + 1;
      this.injected[action] = counts;
    }
    return kind;
  }

  /** The error code a fault of `kind` answers `action` with, for the kinds that answer at all. */
  code(action: string, kind: 'throttling' | 'unavailable' | 'permanent'): string {
    if (kind === 'throttling') return 'Throttling';
    if (kind === 'unavailable') return 'ServiceUnavailable';
    return PERMANENT_CODE[action] ?? DEFAULT_PERMANENT_CODE;
  }

  /** Faults injected so far, in all. */
  total(): number {
    return Object.values(this.injected).reduce(
      (sum, counts) => sum + Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
      0,
    );
  }
}
