import type MNSClient from '@alicloud/mns/lib/client.js';
import {
  acquireLease as acquireQueueLease,
  type LeaseOutcome,
  type LeaseOptions as QueueLeaseOptions,
} from '../mns/queue-lease.js';

export type { LeaseOutcome } from '../mns/queue-lease.js';

/** The body of the alert lease queue's one message. */
export const LEASE_BODY = JSON.stringify({ lease: 'dead-letter-alert', about: 'one alert drain at a time' });

export type LeaseOptions = Omit<QueueLeaseOptions, 'body' | 'what' | 'replaceOnTimeout'>;

/**
 * The alert drain's lease (`shared/mns/queue-lease.ts`): a run that finds it taken waits, since the holder is
 * gathering the same burst; past the wait it drains anyway and puts a new lease in (a lost lease must cost
 * latency, never alerts).
 */
export function acquireLease(mns: MNSClient, queue: string, options: LeaseOptions): Promise<LeaseOutcome> {
  return acquireQueueLease(mns, queue, {
    ...options,
    body: LEASE_BODY,
    what: 'alert lease',
    replaceOnTimeout: true,
  });
}
