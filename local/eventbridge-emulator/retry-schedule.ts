import type { MnsStreamTrigger } from '../deployment/deployment.js';

/**
 * Waits (seconds) before each retry of a failed push, per Alibaba EventBridge "Retry policies and dead-letter
 * queues" for event streams:
 * - BACKOFF_RETRY (default): up to 3 retries, each after a random 10–20 s.
 * - EXPONENTIAL_DECAY_RETRY: up to 176 retries, 1, 2, 4 … 256 s, then 512 s for the remaining 167 (about a day).
 * The poller multiplies these by its `timeScale`.
 */
export function retryDelaysSeconds(
  strategy: MnsStreamTrigger['retryStrategy'],
  random: () => number = Math.random,
): number[] {
  if (strategy === 'BACKOFF_RETRY') return [0, 1, 2].map(() => 10 + 10 * random());
  const doubling = Array.from({ length: 9 }, (_, i) => 2 ** i);
  return [...doubling, ...Array.from({ length: 167 }, () => 512)];
}
