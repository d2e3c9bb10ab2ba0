import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProgress, wrapText } from '../../../../local/sandbox/report.js';
import type { Progress } from '../../../../local/sandbox/run-scenario.js';

/** A run at the default scenario's full scale, late: every number wide. */
const busy: Progress = {
  elapsedSeconds: 61.23,
  launched: 5000,
  withRole: 4999,
  invocations: 12345,
  failedInvocations: 12,
  ecsCalls: 123456,
  throttled: 6789,
  deadLetters: 20,
  stepsDone: 17,
  steps: 50,
};

const progress = fc.record({
  elapsedSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }),
  launched: fc.nat(),
  withRole: fc.nat(),
  invocations: fc.nat(),
  failedInvocations: fc.nat(),
  ecsCalls: fc.nat(),
  throttled: fc.nat(),
  deadLetters: fc.nat(),
  stepsDone: fc.nat({ max: 10_000 }),
  steps: fc.nat({ max: 10_000 }),
});

describe('the live progress line', () => {
  it('fits 80 columns without touching the last one, keeping time, steps, launches and roles', () => {
    const line = formatProgress(busy, 80);
    expect(line.length).toBeLessThanOrEqual(79);
    expect(line).toBe('61.2s · steps 17/50 · launched 5000 · role 4999 · DLQ 20');
  });

  it('is the full line when the terminal is wide enough (and when no width is given)', () => {
    const full =
      ' 61.2 s · steps 17/50 · launched 5000 · with role 4999 · invocations 12345 (12 failed) · ECS calls 123456 (6789 throttled) · DLQ 20';
    expect(formatProgress(busy)).toBe(full);
    expect(formatProgress(busy, 200)).toBe(full);
  });

  it('never exceeds width - 1 characters, whatever the numbers and the width', () => {
    fc.assert(
      fc.property(progress, fc.integer({ min: 2, max: 300 }), (p, width) => {
        expect(formatProgress(p, width).length).toBeLessThanOrEqual(width - 1);
      }),
    );
  });
});

describe('wrapText', () => {
  it('breaks a long description at spaces into lines of the width', () => {
    const text =
      'A fleet in two regions launched in bursts with a mix of tags; tag changes that move instances between roles; an instance already holding a foreign role.';
    const lines = wrapText(text, 40);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.join(' ')).toBe(text);
  });

  it('keeps a word longer than the width whole, on its own line', () => {
    expect(wrapText(`a ${'x'.repeat(12)} b`, 5)).toEqual(['a', 'x'.repeat(12), 'b']);
  });
});
