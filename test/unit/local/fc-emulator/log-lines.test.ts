import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../../local/fc-emulator/log-lines.js';

describe('LineSplitter', () => {
  it('joins a line written in pieces and splits chunks holding several lines', () => {
    const lines = new LineSplitter();
    expect(lines.push('a', 'par')).toEqual([]);
    expect(lines.push('a', 'tial\nnext\r\nlast')).toEqual(['partial', 'next']);
    expect(lines.flush('a')).toBe('last');
    expect(lines.flush('a')).toBeUndefined();
  });

  it('keeps the pieces of different keys apart', () => {
    const lines = new LineSplitter();
    lines.push('req-1', 'one ');
    lines.push('req-2', 'two ');
    expect(lines.push('req-1', 'done\n')).toEqual(['one done']);
    expect(lines.flushAll()).toEqual([['req-2', 'two ']]);
    expect(lines.flushAll()).toEqual([]);
  });

  it('keeps empty lines', () => {
    expect(new LineSplitter().push('k', '\n\nx\n')).toEqual(['', '', 'x']);
  });
});
