/**
 * How MNS (and FC's MNS topic trigger) retries a failed push, per the NotifyStrategy pages of MNS
 * and FC's MNSTopicTriggerConfig:
 * - BACKOFF_RETRY: 3 retries, each after a random 10–20 s.
 * - EXPONENTIAL_DECAY_RETRY: 176 retries after 1, 2, 4, … 256 s, then 512 s for the remaining 167 (a day in all).
 * After the last retry the notification is dropped.
 */

export const NOTIFY_STRATEGIES = ['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'] as const;
export type NotifyStrategy = (typeof NOTIFY_STRATEGIES)[number];

const BACKOFF_RETRIES = 3;
const EXPONENTIAL_RETRIES = 176;
const EXPONENTIAL_CAP_SECONDS = 512;

/**
 * Seconds to wait before retry number `retry` (0 = the first retry), or undefined when the strategy has no retry
 * left. `random` in [0, 1) picks the BACKOFF_RETRY interval.
 */
export function retryDelaySeconds(
  strategy: NotifyStrategy,
  retry: number,
  random: () => number = Math.random,
): number | undefined {
  if (strategy === 'BACKOFF_RETRY') return retry < BACKOFF_RETRIES ? 10 + 10 * random() : undefined;
  return retry < EXPONENTIAL_RETRIES ? Math.min(2 ** retry, EXPONENTIAL_CAP_SECONDS) : undefined;
}

export function isNotifyStrategy(value: string): value is NotifyStrategy {
  return (NOTIFY_STRATEGIES as readonly string[]).includes(value);
}
