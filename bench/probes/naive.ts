/** The naive baseline's cold start with a clock at each phase's end (as `attach-role.ts`). */
import { type NaivePhase, naiveColdStart } from '../naive/naive-handler.js';

const evaluated = process.hrtime.bigint();
const ends: Partial<Record<NaivePhase, bigint>> = {};
naiveColdStart(process.env, (phase) => {
  ends[phase] = process.hrtime.bigint();
});

export const timing = { evaluated, ...ends };
