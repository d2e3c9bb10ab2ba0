import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { createFcInvoker } from '../../../shared/fc/fc-invoker.js';
import {
  ACCOUNT_ID,
  type FcSandbox,
  fixtureFunction,
  invoke3,
  REGION,
  rejection,
  startFcSandbox,
  waitFor,
} from './fc-emulator-support.js';

/** A URL whose requests hang until `open()`: an invocation that fetches it stays running until the test says. */
class Gate {
  readonly #held: ServerResponse[] = [];
  #open = false;
  readonly server: Server = createServer((_req, res) => {
    if (this.#open) res.end('go');
    else this.#held.push(res);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  get waiting(): number {
    return this.#held.length;
  }

  open(): void {
    this.#open = true;
    for (const res of this.#held.splice(0)) res.end('go');
  }

  close(): Promise<void> {
    this.open();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const LIMITED = fixtureFunction('scripted', { functionName: 'limited', reservedConcurrency: 1 });
const UNLIMITED = fixtureFunction('scripted', { functionName: 'unlimited' });
const SHARED = fixtureFunction('scripted', { functionName: 'shared', instanceConcurrency: 3 });

let s: FcSandbox;
let gate: Gate;
let gateUrl: string;
beforeAll(async () => {
  s = await startFcSandbox([LIMITED, UNLIMITED, SHARED], { maxInstancesPerFunction: 4 });
});
afterAll(async () => {
  await s?.close();
});
afterEach(async () => {
  await gate?.close();
});

async function newGate(): Promise<void> {
  gate = new Gate();
  gateUrl = await gate.start();
}

/** Most invocations of `fn` that ran at the same moment, from the emulator's records. */
function peakConcurrency(fn: string): number {
  const edges = s.fc.invocations
    .filter((r) => r.function === fn)
    .flatMap((r) => [
      [r.startedAt, 1],
      [r.startedAt + r.durationMs, -1],
    ]);
  edges.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0));
  let running = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    running += delta ?? 0;
    peak = Math.max(peak, running);
  }
  return peak;
}

describe('instanceConcurrency > 1 (cloud-facts CO-1)', () => {
  it('runs that many invocations at once in one instance (one module load), and opens a second beyond it', async () => {
    await newGate();
    const calls = Array.from({ length: 4 }, () =>
      invoke3(s.client, 'shared', JSON.stringify({ awaitUrl: gateUrl })),
    );
    // All four are running at once (each holds the gate) before any ends.
    await waitFor(() => gate.waiting === 4);
    gate.open();
    const instances = (await Promise.all(calls)).map((a) => (a.data as { instance: string }).instance);
    const perInstance = [...new Set(instances)].map((id) => instances.filter((i) => i === id).length);
    expect(perInstance.sort()).toEqual([1, 3]);
    expect(s.fc.coldStarts('shared')).toBe(2);
    expect(peakConcurrency('shared')).toBe(4);
  });
});

describe("a function's declared concurrency limit (fc3 concurrencyConfig.reservedConcurrency)", () => {
  it('refuses a sync invocation beyond it with 429 ResourceExhausted, as @alicloud/fc20230330 reads it', async () => {
    await newGate();
    const running = invoke3(s.client, 'limited', JSON.stringify({ awaitUrl: gateUrl }));
    await waitFor(() => gate.waiting === 1, 10_000);
    const error = await rejection(invoke3(s.client, 'limited', '{}'));
    expect(error).toMatchObject({ code: 'ResourceExhausted', statusCode: 429 });
    expect(error.data).toMatchObject({ Code: 'ResourceExhausted', RequestId: expect.any(String) });
    expect(s.calls.count('InvokeFunction', { status: 429, code: 'ResourceExhausted' })).toBeGreaterThan(0);
    // A function without a limit is not held back by it.
    expect((await invoke3(s.client, 'unlimited', '{}')).status).toBe(200);
    gate.open();
    expect((await running).status).toBe(200);
    // Once the slot is free, the next call goes through.
    expect((await invoke3(s.client, 'limited', '{}')).status).toBe(200);
  });

  it('queues async invocations beyond it (202 at once) and runs them one at a time', async () => {
    await newGate();
    const before = s.fc.invocations.length;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        invoke3(s.client, 'limited', JSON.stringify({ awaitUrl: gateUrl }), {
          'x-fc-invocation-type': 'Async',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    await waitFor(() => gate.waiting === 1, 10_000);
    gate.open();
    await s.fc.settled(20_000);
    const mine = s.fc.invocations.slice(before).filter((r) => r.function === 'limited');
    expect(mine.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(peakConcurrency('limited')).toBe(1);
    expect(s.fc.asyncRequests.filter((r) => r.function === 'limited' && r.status !== 'succeeded')).toEqual(
      [],
    );
  });
});

describe('an MNS topic push that FC throttles', () => {
  let mns: MnsEmulator | undefined;
  afterEach(async () => {
    await mns?.close();
    mns = undefined;
  });

  it('fails and is retried per the subscription’s NotifyStrategy until the function takes it', async () => {
    await newGate();
    mns = await startMnsEmulator({
      credentials: s.credentials,
      accountId: ACCOUNT_ID,
      topics: ['failures'],
      timeScale: 0.01, // BACKOFF_RETRY's 10–20 s become 100–200 ms
    });
    const invoker = createFcInvoker({
      endpoint: s.fc.url,
      accountId: ACCOUNT_ID,
      region: REGION,
      credential: s.key,
    });
    const subscription = mns.subscribeFunction('failures', 'fc-limited', {
      notifyStrategy: 'BACKOFF_RETRY',
      // A synchronous push: FC's answer is the push's outcome.
      deliver: async (payload) => {
        const answer = await invoker.invoke('limited', payload, { async: false });
        if (!answer.ok) throw new Error(`FC refused the event: ${answer.errorType ?? 'unknown'}`);
      },
    });
    const busy = invoke3(s.client, 'limited', JSON.stringify({ awaitUrl: gateUrl }));
    await waitFor(() => gate.waiting === 1, 10_000);
    const publisher = new MNSClient(ACCOUNT_ID, { ...s.key, endpoint: mns.url });
    await publisher.publishMessage('failures', { MessageBody: '{}' });
    await waitFor(() => subscription.stats.failedAttempts >= 1, 10_000);
    expect(subscription.attempts()[0]).toMatchObject({
      attempt: 1,
      ok: false,
      error: expect.stringContaining('ResourceExhausted'),
    });
    gate.open();
    await busy;
    await mns.idle();
    expect(subscription.stats).toMatchObject({ delivered: 1, exhausted: 0 });
    expect(subscription.stats.retries).toBeGreaterThanOrEqual(1);
    expect(subscription.attempts().at(-1)).toMatchObject({ ok: true });
  });
});
