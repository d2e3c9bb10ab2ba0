import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDingTalkAnswer } from '../../../../shared/alerts/targets/dingtalk.js';
import { classifyLarkAnswer } from '../../../../shared/alerts/targets/lark.js';
import { answer } from './answers.js';

// DingTalk and Lark codes beyond the known ones cannot be settled here (cloud-facts AL-4, AL-6): whatever comes
// back, the answer is classified (never thrown), and an unknown code is a configuration error naming the code.

const DINGTALK_KNOWN = new Set([0, 130101, 410100, -1]);
const LARK_KNOWN = new Set([0, 11232]);

describe('unknown alert-target codes', () => {
  it('DingTalk: any other errcode is a configuration error carrying the code and errmsg', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((n) => !DINGTALK_KNOWN.has(n)),
        fc.string({ maxLength: 40 }),
        (errcode, errmsg) => {
          const verdict = classifyDingTalkAnswer(answer(200, JSON.stringify({ errcode, errmsg })));
          expect(verdict).toEqual({
            outcome: 'configuration',
            code: `DingTalk.${errcode}`,
            reason: `errcode ${errcode}: ${errmsg}`,
          });
        },
      ),
    );
  });

  it('Lark: any other code is a configuration error, unless HTTP ≥ 500 or its message says it is throttled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }).filter((n) => !LARK_KNOWN.has(n)),
        fc.string({ maxLength: 40 }).filter((m) => !/too many|frequen|limit/i.test(m)),
        fc.constantFrom(200, 400),
        (code, msg, status) => {
          expect(classifyLarkAnswer(answer(status, JSON.stringify({ code, msg })))).toEqual({
            outcome: 'configuration',
            code: `Lark.${code}`,
            reason: `code ${code}: ${msg}`,
          });
          expect(classifyLarkAnswer(answer(503, JSON.stringify({ code, msg }))).outcome).toBe('retryable');
        },
      ),
    );
  });

  it('never throws on an answer of any shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.oneof(fc.string(), fc.json()), (status, body) => {
        expect(() => classifyDingTalkAnswer(answer(status, body))).not.toThrow();
        expect(() => classifyLarkAnswer(answer(status, body))).not.toThrow();
      }),
    );
  });
});
