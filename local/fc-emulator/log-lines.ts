/**
 * Turns the chunks a function writes into whole lines, per stream and invocation, so a line written in two
 * `write` calls is reported once and lines of concurrent invocations are not spliced together.
 */
export class LineSplitter {
  readonly #partial = new Map<string, string>();

  /** Adds a chunk; returns the lines it completed (without their `\n`). */
  push(key: string, text: string): string[] {
    const joined = (this.#partial.get(key) ?? '') + text;
    const parts = joined.split('\n');
    const rest = parts.pop() ?? '';
    if (rest === '') this.#partial.delete(key);
    else this.#partial.set(key, rest);
    return parts.map((line) => line.replace(/\r$/, ''));
  }

  /** The unterminated rest of one key, if any (at the end of an invocation or instance). */
  flush(key: string): string | undefined {
    const rest = this.#partial.get(key);
    this.#partial.delete(key);
    return rest;
  }

  /** Every key's unterminated rest. */
  flushAll(): Array<[key: string, line: string]> {
    const all = [...this.#partial.entries()];
    this.#partial.clear();
    return all;
  }
}
