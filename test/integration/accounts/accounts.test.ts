/**
 * Many accounts against the emulators through the official SDKs: ECS, STS and the Resource Directory with one
 * state per account, the function assuming its member role into each.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FUNCTION_ROLE_NAME } from '../../../local/local-stack.js';
import { parseSeed, type Seed } from '../../../local/seed.js';
import { coldStart } from '../../../shared/attach/cold-start.js';
import type { SweepSummary } from '../../../shared/sweep/sweep-handler.js';
import { type Harness, instance, startHarness } from '../attach-role/harness.js';

const CENTRAL = '1234567890123456';
const M1 = '2000000000000001';
const M2 = '3000000000000002';
const UNLISTED = '4000000000000003';
const MEMBER_ROLE = 'ram-role-attacher-member';

const trusting = (principal: string) => ({
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [principal] } }],
  Version: '1',
});
const CENTRAL_ROLE = `acs:ram::${CENTRAL}:role/${FUNCTION_ROLE_NAME}`;

const member = (accountId: string, instanceId: string, trustPrincipal = CENTRAL_ROLE): Seed =>
  parseSeed({
    accountId,
    roles: [
      { name: 'EcsAppRole', trustsEcs: true },
      { name: MEMBER_ROLE, trustPolicy: trusting(trustPrincipal) },
    ],
    instances: [instance(instanceId, { team: 'app' })],
  });

const POLICY = [
  'version: 1',
  'allowedRoles: [EcsAppRole]',
  'accounts:',
  `  - { id: "${CENTRAL}", name: central }`,
  `  - { id: "${M1}" }`,
  `  - { id: "${M2}" }`,
  'rules:',
  '  - name: app',
  '    when: { tags: { team: app } }',
  '    role: EcsAppRole',
  '',
].join('\n');

const I0 = 'i-bp1central000000001';
const I1 = 'i-bp1member1000000001';
const I2 = 'i-bp1member2000000001';
const IX = 'i-bp1unlisted00000001';

function event(accountId: string, instanceId: string, original?: string) {
  return {
    id: `evt-${instanceId}-${Math.random()}`,
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: `acs:ecs:cn-hangzhou:${accountId}:instance/${instanceId}`,
    time: new Date().toISOString(),
    aliyunaccountid: accountId,
    ...(original === undefined ? {} : { aliyunoriginalaccountid: original }),
    aliyunregionid: 'cn-hangzhou',
    data: { resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: { m2Trust?: string; env?: Record<string, string> } = {}): Promise<Harness> {
  harness = await startHarness({
    seed: { accountId: CENTRAL, instances: [instance(I0, { team: 'app' })] },
    members: [member(M1, I1), member(M2, I2, options.m2Trust), member(UNLISTED, IX)],
    policy: POLICY,
    env: { ACCOUNTS: 'policy', ...options.env },
  });
  return harness;
}

const roleOf = (h: Harness, accountId: string, id: string) =>
  h.stack.ecs.accounts.get(accountId)?.instance(id)?.role;

describe('many accounts', () => {
  it('converges instances in three accounts from their events, assuming each member role once', async () => {
    const h = await start();
    const summary = await h.invoke([event(CENTRAL, I0), event(M1, I1), event(CENTRAL, I2, M2)]);
    expect(summary.counts).toEqual({ attached: 3 });
    expect(roleOf(h, CENTRAL, I0)).toBe('EcsAppRole');
    expect(roleOf(h, M1, I1)).toBe('EcsAppRole');
    expect(roleOf(h, M2, I2)).toBe('EcsAppRole');
    // Once per member account; the central account uses the function's own keys.
    expect(h.stack.calls.count('AssumeRole', { status: 200 })).toBe(2);

    // Later invocations in the same expiry window assume nothing again.
    await h.invoke([event(M1, I1)]);
    await h.invoke([event(M2, I2)]);
    expect(h.stack.calls.count('AssumeRole')).toBe(2);
  });

  it('never shares an ECS call across accounts: invocations at once in three accounts each act in their own', async () => {
    // A long window, and credentials and chunks warmed first, so the three invocations' calls arrive together:
    // shared across accounts, one call would carry one account's keys for all three accounts' instances.
    const second = (id: string) => id.replace(/1$/, '2');
    const twice = (seed: Seed): Seed => ({
      ...seed,
      instances: [...seed.instances, ...seed.instances.map((i) => ({ ...i, id: second(i.id) }))],
    });
    harness = await startHarness({
      seed: {
        accountId: CENTRAL,
        instances: [instance(I0, { team: 'app' }), instance(second(I0), { team: 'app' })],
      },
      members: [twice(member(M1, I1)), twice(member(M2, I2))],
      policy: POLICY,
      env: { ACCOUNTS: 'policy', COALESCE_WINDOW_MS: '2000' },
    });
    const h = harness;
    await h.invoke([event(CENTRAL, I0), event(M1, I1), event(CENTRAL, I2, M2)]);
    const before = h.stack.calls.count('DescribeInstances');
    const summaries = await Promise.all([
      h.invoke([event(CENTRAL, second(I0))]),
      h.invoke([event(M1, second(I1))]),
      h.invoke([event(CENTRAL, second(I2), M2)]),
    ]);
    expect(summaries.map((s) => s.counts)).toEqual([{ attached: 1 }, { attached: 1 }, { attached: 1 }]);
    expect([CENTRAL, M1, M2].map((a, i) => roleOf(h, a, second([I0, I1, I2][i] as string)))).toEqual([
      'EcsAppRole',
      'EcsAppRole',
      'EcsAppRole',
    ]);
    // One DescribeInstances per account: shared within an account, never across.
    expect(h.stack.calls.count('DescribeInstances') - before).toBe(3);
    expect(h.stack.deadLetters()).toEqual([]);
  });

  it('does nothing for an event naming an unlisted account: skipped, reason account, no call there', async () => {
    const h = await start();
    const summary = await h.invoke([event(UNLISTED, IX)]);
    expect(summary.results).toEqual([
      { instanceId: IX, regionId: 'cn-hangzhou', outcome: 'skipped', reason: 'account' },
    ]);
    expect(roleOf(h, UNLISTED, IX)).toBeNull();
    expect(h.stack.calls.count('AssumeRole')).toBe(0);
    expect(h.stack.calls.count('DescribeInstances')).toBe(0);
  });

  it('dead-letters one attach-failed record per instance with the STS code when the member role does not trust the function, then converges once fixed', async () => {
    const h = await start({ m2Trust: `acs:ram::${CENTRAL}:role/someone-else` });
    const summary = await h.invoke([event(M2, I2), event(M1, I1)]);
    expect(summary.counts).toEqual({ attached: 1, 'dead-lettered': 1 });
    const records = h.stack.deadLetters();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'attach-failed',
      accountId: M2,
      instanceId: I2,
      error: { code: 'NoPermission', class: 'permanent', scope: 'account' },
    });
    // Fixed: the member role now trusts the function's role; the next event converges.
    h.stack.ecs.accounts.get(M2)?.ram.addRole({ name: MEMBER_ROLE, trustPolicy: trusting(CENTRAL_ROLE) });
    const again = await h.invoke([event(M2, I2)]);
    expect(again.counts).toEqual({ attached: 1 });
    expect(roleOf(h, M2, I2)).toBe('EcsAppRole');
  });

  it('never logs a secret or token of any account', async () => {
    const h = await start({ env: { LOG_LEVEL: 'trace' } });
    await h.invoke([event(M1, I1), event(M2, I2)]);
    const keys = [...h.stack.calls.records].filter((r) => r.service === 'sts').map((r) => r.accessKeyId);
    expect(keys.length).toBeGreaterThan(0);
    const secrets = [h.stack.functionKeys.accessKeySecret, h.stack.functionKeys.securityToken];
    for (const id of h.stack.calls.records.map((r) => r.accessKeyId ?? '')) {
      const key = h.stack.credentials.get(id);
      if (key?.securityToken) secrets.push(key.securityToken, key.accessKeySecret);
    }
    expect(secrets.length).toBeGreaterThan(2);
    const text = h.rawLogs.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('discovers accounts from the Resource Directory (paged) with ACCOUNTS=resource-directory', async () => {
    const h = await start({ env: { ACCOUNTS: 'resource-directory' } });
    const summary = await h.invoke([event(M1, I1)]);
    expect(summary.counts).toEqual({ attached: 1 });
    expect(h.stack.calls.count('ListAccounts', { status: 200 })).toBe(1);
    // The policy's accounts still scope: the unlisted account is refused by the policy, whatever the directory says.
    expect((await h.invoke([event(UNLISTED, IX)])).counts).toEqual({ skipped: 1 });
  });
});

describe('many accounts: the sweep', () => {
  const sweep = async (h: Harness) =>
    (await h.invoke({ 'ram-role-attacher': 'sweep' }, { timeoutSeconds: 60 })) as unknown as SweepSummary;

  it('walks every configured account with its own credentials and converges the instances events missed', async () => {
    const h = await start();
    const summary = await sweep(h);
    expect(summary.sweep).toMatchObject({ state: 'complete' });
    expect(summary.sweep.failedAccounts).toBeUndefined();
    expect(roleOf(h, CENTRAL, I0)).toBe('EcsAppRole');
    expect(roleOf(h, M1, I1)).toBe('EcsAppRole');
    expect(roleOf(h, M2, I2)).toBe('EcsAppRole');
    // An account nobody listed is never walked.
    expect(roleOf(h, UNLISTED, IX)).toBeNull();
    expect(Object.keys(summary.sweep.accounts ?? {}).sort()).toEqual([CENTRAL, M1, M2].sort());
    expect(h.stack.calls.count('AssumeRole', { status: 200 })).toBe(2);
  });

  it('passes over an account whose member role does not trust the function: logged, counted, the others swept', async () => {
    const h = await start({ m2Trust: `acs:ram::${CENTRAL}:role/someone-else` });
    const summary = await sweep(h);
    expect(summary.sweep.state).toBe('complete');
    expect(summary.sweep.failedAccounts).toEqual([{ accountId: M2, code: 'NoPermission' }]);
    expect(roleOf(h, M1, I1)).toBe('EcsAppRole');
    expect(roleOf(h, M2, I2)).toBeNull();
    // No instance of M2 is known, so nothing is dead-lettered for it.
    expect(h.stack.deadLetters()).toEqual([]);
    expect(h.logs.some((l) => l.level === 'error' && l.accountId === M2 && l.code === 'NoPermission')).toBe(
      true,
    );
  });
});

describe('many accounts: cold start', () => {
  it('refuses ACCOUNTS=policy with a policy that lists no accounts, naming the variable', async () => {
    // Cold start reads no cloud: no emulators needed.
    const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, POLICY.replace(/accounts:\n(?: {2}- .*\n)+/, ''));
    await expect(
      coldStart(
        { POLICY_FILE: file, DEAD_LETTER_QUEUE: 'q', ACCOUNTS: 'policy' },
        { logDestination: { write: () => {} } },
      ),
    ).rejects.toThrow(/ACCOUNTS: "policy" takes the member accounts from the policy's accounts: section/);
  });
});
