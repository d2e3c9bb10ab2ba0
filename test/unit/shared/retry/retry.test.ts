import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors/app-error.js';
import { Deadline } from '../../../../shared/retry/deadline.js';
import { OperationError, withRetry } from '../../../../shared/retry/retry.js';
import { type ItemResult, retryBatch } from '../../../../shared/retry/retry-batch.js';

/** A fake clock: sleeping advances it, so tests are exact and instant. */
function clock(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

const retryable = (code = 'Throttling') => new AppError(code, 'try again', { errorClass: 'retryable' });
const permanent = (code = 'InvalidRamRole.NotEcsRole') =>
  new AppError(code, 'no', { errorClass: 'permanent' });

describe('withRetry', () => {
  it('retries retryable errors and returns the first success', async () => {
    const c = clock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw retryable();
        return 'ok';
      },
      {
        deadline: new Deadline(10_000, c.now),
        maxAttempts: 5,
        backoff: { baseMs: 100, capMs: 1000 },
        sleep: c.sleep,
        random: () => 0.5,
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(c.sleeps).toEqual([50, 100]);
  });

  it('stops at once on a permanent error', async () => {
    const c = clock();
    const error = await withRetry(
      async () => {
        throw permanent();
      },
      {
        deadline: new Deadline(10_000, c.now),
        maxAttempts: 5,
        backoff: { baseMs: 100, capMs: 1000 },
        sleep: c.sleep,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({ stoppedBy: 'permanent', attempts: 1, code: 'InvalidRamRole.NotEcsRole' });
    expect(c.sleeps).toEqual([]);
  });

  it('gives up after maxAttempts', async () => {
    const c = clock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw retryable('ServiceUnavailable');
      },
      {
        deadline: new Deadline(1e9, c.now),
        maxAttempts: 4,
        backoff: { baseMs: 10, capMs: 100 },
        sleep: c.sleep,
      },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toMatchObject({ stoppedBy: 'attempts', attempts: 4 });
  });

  it('retries throttling past maxAttempts, until the deadline', async () => {
    const c = clock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw retryable('Throttling.User');
      },
      {
        deadline: new Deadline(10_000, c.now),
        maxAttempts: 3,
        backoff: { baseMs: 100, capMs: 1_000 },
        sleep: c.sleep,
        random: () => 0.999,
      },
    ).catch((e: unknown) => e);
    expect(calls).toBeGreaterThan(3);
    expect(error).toMatchObject({ stoppedBy: 'deadline', code: 'Throttling.User' });
    expect(c.now()).toBeGreaterThan(8_000);
  });

  it('never starts a wait that would pass the deadline', async () => {
    const c = clock();
    const deadline = new Deadline(1_000, c.now);
    const error = await withRetry(
      async () => {
        throw retryable('ServiceUnavailable');
      },
      {
        deadline,
        maxAttempts: 100,
        backoff: { baseMs: 100, capMs: 400 },
        sleep: c.sleep,
        random: () => 0.999,
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ stoppedBy: 'deadline', code: 'ServiceUnavailable' });
    expect(c.now()).toBeLessThan(1_000);
    expect(c.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(1_000);
  });

  it('waits at least the retry-after the service asked for', async () => {
    const c = clock();
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) {
          throw new AppError('Throttling', 'try again', { errorClass: 'retryable', retryAfterMs: 700 });
        }
        return 1;
      },
      {
        deadline: new Deadline(10_000, c.now),
        maxAttempts: 3,
        backoff: { baseMs: 10, capMs: 20 },
        sleep: c.sleep,
        random: () => 0,
      },
    );
    expect(c.sleeps).toEqual([700]);
  });

  it('does not call the operation once the deadline has passed', async () => {
    const c = clock(5_000);
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
      },
      {
        deadline: new Deadline(1_000, c.now),
        maxAttempts: 3,
        backoff: { baseMs: 10, capMs: 20 },
        sleep: c.sleep,
      },
    ).catch((e: unknown) => e);
    expect(calls).toBe(0);
    expect(error).toMatchObject({ stoppedBy: 'deadline', code: 'DeadlineExceeded' });
  });
});

describe('retryBatch', () => {
  const options = (c: ReturnType<typeof clock>) => ({
    deadline: new Deadline(100_000, c.now),
    maxAttempts: 5,
    backoff: { baseMs: 10, capMs: 100 },
    sleep: c.sleep,
  });
  const info = (code: string, errorClass: 'retryable' | 'permanent') => ({
    code,
    message: code,
    errorClass,
    uncertain: false,
  });

  it('retries only the items that failed retryably, settles permanent ones at once', async () => {
    const c = clock();
    const asked: string[][] = [];
    const outcome = await retryBatch<string>(
      ['a', 'b', 'c'],
      async (pending) => {
        asked.push(pending);
        return new Map(
          pending.map((id): [string, ItemResult<string>] => {
            if (id === 'b' && asked.length < 3)
              return [id, { ok: false, info: info('IncorrectInstanceStatus', 'retryable') }];
            if (id === 'c') return [id, { ok: false, info: info('InvalidRamRole.NotEcsRole', 'permanent') }];
            return [id, { ok: true, value: `done:${id}` }];
          }),
        );
      },
      options(c),
    );
    expect(asked).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect([...outcome.ok]).toEqual([
      ['a', 'done:a'],
      ['b', 'done:b'],
    ]);
    expect(outcome.failed.get('c')).toMatchObject({
      stoppedBy: 'permanent',
      attempts: 1,
      info: { code: 'InvalidRamRole.NotEcsRole' },
    });
  });

  it('after an uncertain failure, verifies before writing again and does not rewrite what went through', async () => {
    const c = clock();
    const asked: string[][] = [];
    const outcome = await retryBatch<string>(
      ['a', 'b'],
      async (pending) => {
        asked.push(pending);
        if (asked.length === 1)
          throw Object.assign(new Error('ReadTimeout'), { name: 'RequestTimeoutError' });
        return new Map(pending.map((id) => [id, { ok: true, value: 'written' }]));
      },
      {
        ...options(c),
        verify: async (pending) => new Map(pending.filter((id) => id === 'a').map((id) => [id, 'found'])),
      },
    );
    expect(asked).toEqual([['a', 'b'], ['b']]);
    expect(outcome.ok.get('a')).toBe('found');
    expect(outcome.ok.get('b')).toBe('written');
  });

  it('reports each item’s own last error when attempts run out', async () => {
    const c = clock();
    const outcome = await retryBatch<string>(
      ['a'],
      async () => new Map([['a', { ok: false, info: info('IncorrectInstanceStatus', 'retryable') }]]),
      { ...options(c), maxAttempts: 3 },
    );
    expect(outcome.failed.get('a')).toMatchObject({
      stoppedBy: 'attempts',
      attempts: 3,
      info: { code: 'IncorrectInstanceStatus' },
    });
  });

  it('waits the retry-after of a failed item before retrying it', async () => {
    const c = clock();
    const outcome = await retryBatch<string>(
      ['a'],
      async () =>
        new Map([
          [
            'a',
            c.sleeps.length === 0
              ? { ok: false, info: { ...info('Throttling.User', 'retryable'), retryAfterMs: 900 } }
              : { ok: true, value: 'x' },
          ],
        ]),
      { ...options(c), random: () => 0 },
    );
    expect(c.sleeps).toEqual([900]);
    expect(outcome.ok.get('a')).toBe('x');
  });

  it('an item the answer does not mention is retried, not assumed done', async () => {
    const c = clock();
    let calls = 0;
    const outcome = await retryBatch<string>(
      ['a', 'b'],
      async (pending) => {
        calls++;
        return new Map(
          pending.filter((id) => id === 'a' || calls > 1).map((id) => [id, { ok: true, value: 'x' }]),
        );
      },
      options(c),
    );
    expect(calls).toBe(2);
    expect(outcome.ok.size).toBe(2);
  });
});

describe('withRetry near the deadline', () => {
  it('does not start an attempt or a wait that would leave less than minAttemptMs, and reports the real error', async () => {
    const c = clock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw retryable('ServiceUnavailable');
      },
      {
        deadline: new Deadline(1_000, c.now),
        maxAttempts: 100,
        backoff: { baseMs: 300, capMs: 300 },
        sleep: c.sleep,
        random: () => 0.999,
        minAttemptMs: 200,
      },
    ).catch((e: unknown) => e);
    // Attempts at 0 and ~299 ms; a third wait would end at ~598 ms, leaving ≥ 200 ms: allowed; a fourth would not.
    expect(calls).toBe(3);
    expect(c.now()).toBeLessThanOrEqual(800);
    expect(error).toMatchObject({ stoppedBy: 'deadline', code: 'ServiceUnavailable' });
  });
});
