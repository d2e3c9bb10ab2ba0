import type MNSClient from '@alicloud/mns/lib/client.js';
import { describeError } from '../errors/classify.js';
import type { Logger } from '../logging/logger.js';
import { type BackoffOptions, backoffDelay } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';
import { sleep as realSleep } from '../retry/retry.js';
import type { SentLedger } from './sent-ledger.js';

export interface AcknowledgeOptions {
  queue: string;
  ledger: SentLedger;
  deadline: Deadline;
  log: Logger;
  /** Delete attempts per message, the first included. Default 4. */
  maxAttempts?: number;
  /** Default 200 ms base, 2 s cap, full jitter. */
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface AcknowledgeResult {
  deleted: number;
  /** Could not be deleted: hidden for 12 hours and left to the ledger to delete on a later run. */
  parked: number;
  /** Could not be deleted nor hidden: it reappears after the queue's visibility timeout, and the ledger skips it. */
  kept: number;
}

/** The longest MNS lets a message stay invisible (cloud-facts MNS-13). */
export const PARK_SECONDS = 43_200;
/** Per-entry errors of a stale handle: the message was received again since, or is gone. Retrying cannot help. */
const STALE = new Set(['ReceiptHandleError', 'MessageNotExist']);

/**
 * Deletes the messages of records that were alerted (or already had been), in batches of 16, retrying what
 * failed — a whole batch or single entries — with backoff within the deadline. The records are in the ledger
 * already, so a message that still cannot be deleted is never alerted again by this instance; it is also parked
 * (made invisible for 12 hours), so that a fresh instance does not see it either while MNS recovers, and its
 * handle is kept for the next run to delete.
 */
export async function acknowledge(
  mns: MNSClient,
  messages: readonly { digest: string; handle: string }[],
  options: AcknowledgeOptions,
): Promise<AcknowledgeResult> {
  const result: AcknowledgeResult = { deleted: 0, parked: 0, kept: 0 };
  const wait = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoff = options.backoff ?? { baseMs: 200, capMs: 2_000 };
  let pending = [...messages];
  let lastCode = '';
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed: typeof pending = [];
    for (let i = 0; i < pending.length; i += 16) {
      const batch = pending.slice(i, i + 16);
      const outcome = await deleteBatch(mns, options.queue, batch);
      for (const m of batch) {
        const code = outcome.get(m.handle);
        if (code === undefined) {
          result.deleted++;
          options.ledger.setUndeleted(m.digest, undefined);
        } else if (STALE.has(code)) {
          // Received again since (it comes back to a run that knows it as sent), or already gone.
          options.ledger.setUndeleted(m.digest, undefined);
        } else {
          lastCode = code;
          failed.push(m);
        }
      }
    }
    pending = failed;
    if (pending.length === 0 || attempt >= maxAttempts) break;
    const delay = backoffDelay(attempt - 1, backoff, undefined, options.random);
    if (options.deadline.wouldPass(delay)) break;
    options.log.warn(
      { queue: options.queue, code: lastCode, attempt, delayMs: delay, left: pending.length },
      'alert queue delete failed; retrying',
    );
    await wait(delay);
  }
  for (const m of pending) {
    const parked = await park(mns, options.queue, m.handle);
    options.ledger.setUndeleted(m.digest, parked ?? m.handle);
    if (parked === undefined) result.kept++;
    else result.parked++;
  }
  if (pending.length > 0) {
    options.log.error(
      { queue: options.queue, code: lastCode, parked: result.parked, kept: result.kept },
      'alerted messages could not be deleted from the alert queue; they will not be alerted again, and a later run deletes them',
    );
  }
  return result;
}

/** Handle → error code of every entry not deleted; empty when the whole batch was. */
async function deleteBatch(
  mns: MNSClient,
  queue: string,
  batch: readonly { handle: string }[],
): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  try {
    const response = await mns.batchDeleteMessage(
      queue,
      batch.map((m) => m.handle),
    );
    if (response.code === 204) return failures;
    const errors = response.body === undefined ? [] : [response.body].flat();
    if (errors.length === 0) {
      // No XML to say which (a proxy's 5xx page, which the SDK returns instead of throwing): none was.
      for (const m of batch) failures.set(m.handle, `HTTP${response.code}`);
    }
    for (const e of errors) failures.set(e.ReceiptHandle, e.ErrorCode);
  } catch (error) {
    const code = describeError(error).code;
    for (const m of batch) failures.set(m.handle, code);
  }
  return failures;
}

/** Hides a message for as long as MNS allows; its new handle, or undefined when that failed too. */
async function park(mns: MNSClient, queue: string, handle: string): Promise<string | undefined> {
  try {
    const changed = await mns.changeMessageVisibility(queue, handle, PARK_SECONDS);
    return changed.body?.ReceiptHandle ?? handle;
  } catch {
    return undefined;
  }
}
