import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { acknowledge, PARK_SECONDS } from '../../../shared/alerts/acknowledge.js';
import { recordDigest, SentLedger } from '../../../shared/alerts/sent-ledger.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { Deadline } from '../../../shared/retry/deadline.js';

// Deleting alerted messages from the alert queue through @alicloud/mns, against the MNS emulator's faults: every
// way a batch delete fails (an <Error>, single entries, a proxy's page the SDK does not throw for, a stale handle).

const ACCOUNT = '1234567890123456';
const QUEUE = 'alerts';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
let mns: MnsEmulator;
let client: MNSClient;
let ledger: SentLedger;
let sleeps: number[];

beforeEach(async () => {
  mns = await startMnsEmulator({ credentials, accountId: ACCOUNT, queues: [QUEUE] });
  client = new MNSClient(ACCOUNT, { ...key, endpoint: mns.url });
  ledger = new SentLedger();
  sleeps = [];
});
afterEach(() => mns.close());

/** Sends `n` messages and receives them: what a drain holds, each marked sent in the ledger. */
async function held(n: number): Promise<{ digest: string; handle: string }[]> {
  for (let i = 0; i < n; i++) await client.sendMessage(QUEUE, { MessageBody: `record-${i}` });
  const received = (await client.batchReceiveMessage(QUEUE, 16)).body ?? [];
  const messages = received.map((m) => ({ digest: recordDigest(m.MessageBody), handle: m.ReceiptHandle }));
  ledger.markSent(messages.map((m) => m.digest));
  return messages;
}

const ack = (messages: { digest: string; handle: string }[]) =>
  acknowledge(client, messages, {
    queue: QUEUE,
    ledger,
    deadline: new Deadline(Number.POSITIVE_INFINITY),
    log: createLogger({ level: 'silent' }),
    sleep: async (ms) => void sleeps.push(ms),
  });

describe('acknowledge (deleting what was alerted)', () => {
  it('deletes in batches of 16', async () => {
    const messages = await held(3);
    expect(await ack(messages)).toEqual({ deleted: 3, parked: 0, kept: 0 });
    expect(mns.queue(QUEUE).size).toBe(0);
    expect(mns.calls.count('BatchDeleteMessage')).toBe(1);
  });

  it('retries only the entries a partial failure names', async () => {
    const messages = await held(3);
    mns.faults.add({ op: 'BatchDeleteMessage', failEntries: [1], status: 500, times: 1 });
    expect(await ack(messages)).toEqual({ deleted: 3, parked: 0, kept: 0 });
    expect(mns.calls.count('BatchDeleteMessage')).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(mns.queue(QUEUE).size).toBe(0);
  });

  it('takes an answer the SDK does not throw for (a proxy’s text page) as a failure, and retries', async () => {
    const messages = await held(2);
    mns.faults.add({ op: 'BatchDeleteMessage', status: 503, nonXml: true, times: 1 });
    expect(await ack(messages)).toEqual({ deleted: 2, parked: 0, kept: 0 });
    expect(mns.queue(QUEUE).size).toBe(0);
  });

  it('drops a stale handle at once (the message was received again since): retrying could not help', async () => {
    const [message] = await held(1);
    // Its visibility changed: a new handle, the old one void.
    await client.changeMessageVisibility(QUEUE, message?.handle ?? '', 5);
    expect(await ack(message ? [message] : [])).toEqual({ deleted: 0, parked: 0, kept: 0 });
    expect(mns.calls.count('BatchDeleteMessage')).toBe(1);
    expect(ledger.undeleted()).toEqual([]);
  });

  it('parks what still fails after its attempts, and keeps the new handle to delete it later', async () => {
    const messages = await held(2);
    mns.faults.add({ op: 'BatchDeleteMessage', status: 503, times: 4 });
    expect(await ack(messages)).toEqual({ deleted: 0, parked: 2, kept: 0 });
    expect(mns.calls.count('BatchDeleteMessage')).toBe(4);
    const now = Date.now();
    for (const m of mns.queue(QUEUE).peekAll())
      expect(m.nextVisibleTime).toBeGreaterThan(now + (PARK_SECONDS - 60) * 1000);
    const undeleted = ledger.undeleted();
    expect(undeleted.map((u) => u.digest).sort()).toEqual(messages.map((m) => m.digest).sort());
    expect(undeleted.map((u) => u.handle)).not.toContain(messages[0]?.handle);
    // MNS recovered: the next run deletes them with those handles.
    expect(await ack(undeleted)).toEqual({ deleted: 2, parked: 0, kept: 0 });
    expect(ledger.undeleted()).toEqual([]);
    expect(mns.queue(QUEUE).size).toBe(0);
  });
});
