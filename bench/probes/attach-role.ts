/**
 * The attach-role cold start with a clock at each phase's end: bundled like the function, imported in a fresh
 * process by `bench/cold-start.ts`. Its first statement runs once every module the bundle loads at start is
 * parsed and evaluated.
 */
import { type ColdStartPhase, coldStart } from '../../shared/attach/cold-start.js';

const evaluated = process.hrtime.bigint();
const ends: Partial<Record<ColdStartPhase, bigint>> = {};
await coldStart(process.env, {
  onPhase: (phase) => {
    ends[phase] = process.hrtime.bigint();
  },
});

export const timing = { evaluated, ...ends };
