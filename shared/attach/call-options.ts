import type { RunContext } from './run-context.js';

/** Time left for one ECS call: the whole remaining budget (the gateway caps it at the configured timeouts). */
export const callOptions = (ctx: RunContext) => ({ timeoutMs: ctx.deadline.remainingMs() });

/** An ECS call given less time than this would only time out; past this point the deadline has come. */
const MIN_CALL_MS = 100;

/** How the reads and writes of one run retry: the run's deadline, attempts, backoff and injected clock. */
export function retryOptions(ctx: RunContext) {
  return {
    deadline: ctx.deadline,
    maxAttempts: ctx.retry.maxAttempts,
    backoff: ctx.retry.backoff,
    minAttemptMs: MIN_CALL_MS,
    ...(ctx.sleep === undefined ? {} : { sleep: ctx.sleep }),
    ...(ctx.random === undefined ? {} : { random: ctx.random }),
  };
}
