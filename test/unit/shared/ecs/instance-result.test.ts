import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { perInstance, readInstanceResult } from '../../../../shared/ecs/instance-result.js';
import { classifyCode } from '../../../../shared/errors/classify.js';

const ID = 'i-bp1aaaaaaaaaaaaaaaa1';

/** cloud-facts ECS-12: the documented samples disagree on `Code`'s type and on whether `Success` is there. */
describe('readInstanceResult', () => {
  it.each([
    ['"200" with Success', { code: '200', success: true }],
    ['200 as a number (the API page’s JSON sample)', { code: 200, success: true }],
    ['"200" without Success (older samples)', { code: '200' }],
    ['200 without Success', { code: 200 }],
    ['no code, Success true', { success: true }],
    ['an empty code, Success true', { code: '', success: true }],
  ])('%s is a success', (_name, raw) => {
    expect(readInstanceResult(ID, { instanceId: ID, message: 'success', ...raw })).toEqual({
      instanceId: ID,
      ok: true,
      code: '200',
      message: 'success',
    });
  });

  it.each([
    [
      'a documented code',
      { code: 'InvalidInstanceId.NotFound', success: false },
      'InvalidInstanceId.NotFound',
    ],
    ['a numeric error code', { code: 403, success: false }, '403'],
    ['no code and no Success', {}, 'UnknownError'],
    ['no code, Success false', { success: false }, 'UnknownError'],
    ['a code that is neither string nor number', { code: { nested: true } }, 'UnknownError'],
    ['Success true but an error code', { code: 'Throttling', success: true }, 'Throttling'],
  ])('%s is a failure with the code as a string', (_name, raw, code) => {
    const result = readInstanceResult(ID, raw);
    expect(result).toMatchObject({ ok: false, code });
    expect(() => classifyCode(result.code)).not.toThrow();
  });

  it('whatever the service sends, the result classifies without throwing', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            code: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
            success: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (raw) => {
          const result = readInstanceResult(ID, raw);
          expect(typeof result.code).toBe('string');
          expect(result.ok).toBe(result.code === '200');
          expect(() => classifyCode(result.code)).not.toThrow();
        },
      ),
    );
  });
});

describe('perInstance', () => {
  it('maps results back to the ids sent; an id the answer leaves out is NoResult', () => {
    const other = 'i-bp1bbbbbbbbbbbbbbbb2';
    expect(perInstance([ID, other], [{ instanceId: ID, code: 200, success: true }, { code: '200' }])).toEqual(
      [
        { instanceId: ID, ok: true, code: '200', message: '' },
        {
          instanceId: other,
          ok: false,
          code: 'NoResult',
          message: 'the response did not mention this instance',
        },
      ],
    );
  });
});
