/**
 * The progress line of a walk, on stderr, only on a terminal: redrawn in place after each page, cleared at the
 * end. Piped or redirected, it prints nothing at all; with NO_COLOR it redraws with a carriage return and
 * spaces, never an escape sequence.
 */
import { useColour } from '../colour.js';
import type { FleetProgress } from './run-fleet.js';

export interface Progress {
  update(progress: FleetProgress): void;
  /** Clears the line, so what follows starts on a clean one. */
  end(): void;
}

const BAR_WIDTH = 20;

/** `[██████░░░░] region 1/2 cn-hangzhou · 300 instances · 12 changes`. Pure. */
export function progressLine(verb: string, p: FleetProgress): string {
  // Regions done, and half a region's share for the one in progress (its size is unknown until listed).
  const fraction = Math.min(1, (p.regionIndex + 0.5) / Math.max(1, p.regionCount));
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
  const errors = p.errors === 0 ? '' : ` · ${p.errors} errors`;
  const where = p.accountId === undefined ? p.regionId : `${p.accountId} ${p.regionId}`;
  return `${bar} ${verb} region ${p.regionIndex + 1}/${p.regionCount} ${where} · ${p.instances} instances · ${p.changes} changes${errors}`;
}

export function createProgress(
  stream: { write(text: string): unknown; isTTY?: boolean },
  verb: string,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  if (stream.isTTY !== true) return { update: () => {}, end: () => {} };
  const escapes = useColour(stream, env);
  let shown = 0;
  const clear = () => {
    if (shown === 0) return;
    stream.write(escapes ? '\r\u001b[2K' : `\r${' '.repeat(shown)}\r`);
    shown = 0;
  };
  return {
    update(progress) {
      const line = progressLine(verb, progress);
      clear();
      stream.write(line);
      shown = line.length;
    },
    end: clear,
  };
}
