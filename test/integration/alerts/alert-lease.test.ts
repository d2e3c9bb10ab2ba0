import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { acquireLease, LEASE_BODY, type LeaseOptions } from '../../../shared/alerts/alert-lease.js';
import { createLogger } from '../../../shared/logging/logger.js';

// The alert lease against the MNS emulator through @alicloud/mns. The emulator's queue clock is injected, so a
// hold running out or a lease growing old is a clock step, not a wait; waitSeconds 0 keeps every poll short.

const ACCOUNT = '1234567890123456';
const LEASE = 'alerts-lease';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
let clock = Date.parse('2026-11-29T04:00:00.000Z');
let mns: MnsEmulator;
let client: MNSClient;
let lines: Record<string, unknown>[];

beforeEach(async () => {
  mns = await startMnsEmulator({ credentials, accountId: ACCOUNT, queues: [LEASE], now: () => clock });
  client = new MNSClient(ACCOUNT, { ...key, endpoint: mns.url });
  lines = [];
});
afterEach(() => mns.close());

const options = (overrides: Partial<LeaseOptions> = {}): LeaseOptions => ({
  holdSeconds: 70,
  waitSeconds: 0,
  log: createLogger({
    level: 'debug',
    destination: { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  }),
  now: () => clock,
  ...overrides,
});
const messages = () => mns.queue(LEASE).peekAll();

describe('the alert lease', () => {
  it('goes to one taker at a time: held for the hold, then free again a second after release', async () => {
    await client.sendMessage(LEASE, { MessageBody: LEASE_BODY });
    const first = await acquireLease(client, LEASE, options());
    expect(first.state).toBe('held');
    expect(messages()[0]).toMatchObject({ state: 'inFlight', nextVisibleTime: clock + 70_000 });

    // Another run meanwhile does not get it: it drains anyway after its wait, and puts a lease in for later.
    const second = await acquireLease(client, LEASE, options());
    expect(second).toEqual({ state: 'unavailable', reason: 'timeout' });
    expect(messages().map((m) => m.state)).toEqual(['inFlight', 'delayed']);
    expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(/lease was not free within the wait/);

    if (first.state === 'held') await first.release();
    expect(messages()[0]).toMatchObject({ state: 'inFlight', nextVisibleTime: clock + 1_000 });
    clock += 1_000;
    expect((await acquireLease(client, LEASE, options())).state).toBe('held');
  });

  it('frees itself when its holder dies: the hold runs out', async () => {
    await client.sendMessage(LEASE, { MessageBody: LEASE_BODY });
    expect((await acquireLease(client, LEASE, options())).state).toBe('held');
    clock += 70_000;
    expect((await acquireLease(client, LEASE, options())).state).toBe('held');
  });

  it('deletes surplus leases when it receives more than one', async () => {
    for (let i = 0; i < 3; i++) await client.sendMessage(LEASE, { MessageBody: LEASE_BODY });
    expect((await acquireLease(client, LEASE, options())).state).toBe('held');
    expect(messages()).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'deleted a surplus alert lease')).toHaveLength(2);
  });

  it('replaces a lease more than a day old on release, before MNS retention drops it', async () => {
    await client.sendMessage(LEASE, { MessageBody: LEASE_BODY });
    const sentAt = clock;
    clock += 25 * 3600_000;
    const lease = await acquireLease(client, LEASE, options());
    if (lease.state === 'held') await lease.release();
    expect(messages()).toEqual([
      expect.objectContaining({ body: LEASE_BODY, state: 'visible', enqueueTime: clock }),
    ]);
    expect(messages()[0]?.enqueueTime).not.toBe(sentAt);
  });

  it('lets the run drain without it, loudly, when the lease queue does not exist', async () => {
    const outcome = await acquireLease(client, 'no-such-queue', options());
    expect(outcome).toEqual({ state: 'unavailable', reason: 'no-lease-queue' });
    expect(lines.find((l) => l.level === 'error')?.msg).toMatch(
      /lease queue does not exist \(run npm run setup\)/,
    );
  });
});
