import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { coldStart } from '../../../shared/attach/cold-start.js';
import {
  ACCOUNT,
  DESIGN_POLICY,
  fixture,
  type Harness,
  ids,
  instance,
  startHarness,
  stateChange,
  virtualClock,
} from './harness.js';

/**
 * Outages (issue 9): ECS unreachable for the whole invocation, and the failure topic unreachable. On a virtual
 * clock, so "before FC's timeout" is decided by the waits the function chose, not by the machine's speed.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A port on 127.0.0.1 nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const fleet = [
  ...ids('pay', 3).map((id) => instance(id, { team: 'payments', env: 'prod' })),
  ...ids('web', 2).map((id) =>
    instance(id, { team: 'web', 'ram-role': 'EcsAppRole' }, { region: 'cn-shanghai' }),
  ),
];
const events = fleet.map((i) => stateChange(i.id, 'Running', i.region));

describe('the ECS endpoint unreachable for the whole invocation', () => {
  it('retries until the deadline: every instance dead-lettered once as deadline, returned before the timeout', async () => {
    const clock = virtualClock();
    h = await startHarness({
      seed: { instances: fleet },
      // Attempts enough that only the deadline can stop them; the default backoff (0.2 s doubling to 5 s).
      env: {
        ECS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        MAX_ATTEMPTS: '50',
        BACKOFF_BASE_MS: '200',
        BACKOFF_CAP_MS: '5000',
      },
      clock,
    });
    const summary = await h.invoke(events, { timeoutSeconds: 60 });

    // Never past its deadline (FC's 60 s less the 5 s margin, on the clock only its waits move).
    expect(clock.elapsed()).toBeLessThanOrEqual(55_000);
    expect(clock.elapsed()).toBeGreaterThan(30_000); // it did keep trying
    expect(summary.counts).toEqual({ 'dead-lettered': fleet.length });
    expect(summary.results.every((r) => r.reason === 'deadline')).toBe(true);
    const records = h.stack.deadLetters();
    expect(records.map((r) => ('instanceId' in r ? r.instanceId : '')).sort()).toEqual(
      fleet.map((i) => i.id).sort(),
    );
    for (const record of records) {
      expect(record).toMatchObject({
        kind: 'deadline',
        accountId: ACCOUNT,
        error: { code: 'NetworkError', class: 'retryable' },
      });
      expect(record.kind === 'poison' ? '' : record.error.message).toMatch(/^could not read the instance: /);
    }
  });

  it('with the default attempts: each instance dead-lettered once, NetworkError, long before the timeout', async () => {
    const clock = virtualClock();
    h = await startHarness({
      seed: { instances: fleet },
      env: {
        ECS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        BACKOFF_BASE_MS: '200',
        BACKOFF_CAP_MS: '5000',
      },
      clock,
    });
    const summary = await h.invoke(events, { timeoutSeconds: 60 });

    expect(clock.elapsed()).toBeLessThanOrEqual(55_000);
    expect(summary.counts).toEqual({ 'dead-lettered': fleet.length });
    expect(summary.results.every((r) => r.reason === 'attach-failed')).toBe(true);
    const records = h.stack.deadLetters();
    expect(records).toHaveLength(fleet.length);
    expect(records.every((r) => r.kind === 'attach-failed' && r.attempts === 8)).toBe(true);
  });
});

describe('the failure topic unreachable (DEAD_LETTER_TOPIC, MNS down)', () => {
  it('the invocation fails, so FC keeps the event, and returns before the timeout', async () => {
    const stack = await startLocalStack({
      seed: parseSeed({
        accountId: ACCOUNT,
        roles: [{ name: 'EcsPaymentsRole', trustsEcs: false }],
        instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })],
      }),
    });
    try {
      const policyFile = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
      writeFileSync(policyFile, DESIGN_POLICY);
      const { DEAD_LETTER_QUEUE: _queue, ...env } = stack.env({
        POLICY_FILE: policyFile,
        DEAD_LETTER_TOPIC: 'ram-role-attacher-failures',
        MAX_ATTEMPTS: '50',
      });
      const clock = virtualClock();
      const handler = await coldStart(env, { logDestination: { write: () => undefined }, clock });
      await stack.mns.close();
      await expect(
        handler(fixture('eb-instance-state-pending.json'), stack.context({ timeoutSeconds: 3 })),
      ).rejects.toMatchObject({ name: 'DeadLetterUnavailableError', code: 'DeadLetterUnavailable' });
      // Within its deadline: FC's 3 s less the 0.5 s margin.
      expect(clock.elapsed()).toBeLessThanOrEqual(2_500);
      expect(clock.sleeps.length).toBeGreaterThan(1); // it retried the publish before giving up
    } finally {
      await stack.close();
    }
  });
});
