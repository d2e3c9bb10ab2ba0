import type { FunctionLogLine } from '../fc-emulator/index.js';

/** What the function said about one sweep: `sweep complete` with its totals per region and outcome. */
export interface SweepReport {
  sweepId: string;
  /** Invocations it took (the last one's number). */
  invocations: number;
  totals: Record<string, Record<string, number>>;
}

/**
 * Reads the function's JSON log lines as they come: the `summary` line of each invocation carries its outcome
 * counts. Lines that are not JSON (or not ours) are ignored — the functions' output is input here, not trusted.
 */
export class Observer {
  readonly outcomes: Record<string, number> = {};
  invocationsSummarised = 0;
  deadLetterUnavailable = 0;
  readonly #recent: string[] = [];
  /** The sweep each invocation that logged a `sweepId` belongs to, by FC request id. */
  readonly #sweepOfRequest = new Map<string, string>();
  /** Requests that found another sweep holding the lease and did nothing. */
  readonly #busy = new Set<string>();
  readonly #completed = new Map<string, SweepReport>();

  onLog = (line: FunctionLogLine): void => {
    if (line.stream === 'emulator') {
      this.#remember(line.line);
      return;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(line.line);
    } catch {
      return;
    }
    if (typeof entry !== 'object' || entry === null) return;
    const { msg, counts } = entry as { msg?: unknown; counts?: unknown };
    this.#onSweepLine(line.requestId, entry as Record<string, unknown>);
    if (msg === 'summary' && typeof counts === 'object' && counts !== null) {
      this.invocationsSummarised++;
      for (const [outcome, n] of Object.entries(counts)) {
        if (typeof n === 'number') this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + n;
      }
    } else if (msg === 'dead-letter queue unavailable') {
      this.deadLetterUnavailable++;
    }
  };

  /**
   * The sweep the invocation `requestId` started: `complete` with its report, `busy` (another sweep held the
   * lease), or `undefined` while it runs (or before its first line).
   */
  sweepStartedBy(
    requestId: string,
  ): { state: 'complete'; report: SweepReport } | { state: 'busy' } | undefined {
    if (this.#busy.has(requestId)) return { state: 'busy' };
    const sweepId = this.#sweepOfRequest.get(requestId);
    const report = sweepId === undefined ? undefined : this.#completed.get(sweepId);
    return report === undefined ? undefined : { state: 'complete', report };
  }

  /** Sweeps not complete yet, among those whose invocations have logged (a tick that found the lease taken is none). */
  get sweepsRunning(): number {
    const running = new Set<string>();
    for (const [requestId, sweepId] of this.#sweepOfRequest)
      if (!this.#busy.has(requestId) && !this.#completed.has(sweepId)) running.add(sweepId);
    return running.size;
  }

  #onSweepLine(requestId: string | undefined, entry: Record<string, unknown>): void {
    const { sweepId, msg } = entry;
    if (typeof sweepId !== 'string') return;
    if (requestId !== undefined && !this.#sweepOfRequest.has(requestId))
      this.#sweepOfRequest.set(requestId, sweepId);
    if (
      typeof msg === 'string' &&
      msg.startsWith('another sweep holds the sweep lease') &&
      requestId !== undefined
    )
      this.#busy.add(requestId);
    if (msg === 'sweep complete') {
      const totals = typeof entry.totals === 'object' && entry.totals !== null ? entry.totals : {};
      this.#completed.set(sweepId, {
        sweepId,
        invocations: typeof entry.invocation === 'number' ? entry.invocation : 1,
        totals: totals as SweepReport['totals'],
      });
    }
  }

  /** The last few notes of the FC emulator (retries, drops), for the report when something went wrong. */
  recentNotes(): readonly string[] {
    return this.#recent;
  }

  #remember(note: string): void {
    this.#recent.push(note);
    if (this.#recent.length > 20) this.#recent.shift();
  }
}
