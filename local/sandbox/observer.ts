import type { FunctionLogLine } from '../fc-emulator/index.js';

/**
 * Reads the function's JSON log lines as they come: the `summary` line of each invocation carries its outcome
 * counts. Lines that are not JSON (or not ours) are ignored — the functions' output is input here, not trusted.
 */
export class Observer {
  readonly outcomes: Record<string, number> = {};
  invocationsSummarised = 0;
  deadLetterUnavailable = 0;
  readonly #recent: string[] = [];

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
    if (msg === 'summary' && typeof counts === 'object' && counts !== null) {
      this.invocationsSummarised++;
      for (const [outcome, n] of Object.entries(counts)) {
        if (typeof n === 'number') this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + n;
      }
    } else if (msg === 'dead-letter queue unavailable') {
      this.deadLetterUnavailable++;
    }
  };

  /** The last few notes of the FC emulator (retries, drops), for the report when something went wrong. */
  recentNotes(): readonly string[] {
    return this.#recent;
  }

  #remember(note: string): void {
    this.#recent.push(note);
    if (this.#recent.length > 20) this.#recent.shift();
  }
}
