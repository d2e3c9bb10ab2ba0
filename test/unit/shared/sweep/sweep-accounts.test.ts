/**
 * The sweep over accounts × regions, on the sweep's fakes (a `Fleet` per account on virtual time: ECS limits are
 * per account, so each account's fleet has its own buckets), with the event path's member credentials and
 * directory.
 */
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../../../local/sweep-sim/fleet.js';
import { MemoryLease } from '../../../../local/sweep-sim/memory-lease.js';
import { VirtualTime } from '../../../../local/sweep-sim/virtual-time.js';
import { policyDirectory } from '../../../../shared/accounts/account-directory.js';
import { createAttachRoleHandler } from '../../../../shared/attach/attach-role-handler.js';
import { loadConfig } from '../../../../shared/config/config.js';
import type { CredentialProvider } from '../../../../shared/credentials/credentials.js';
import { MemberCredentials } from '../../../../shared/credentials/member-credentials.js';
import type { DeadLetterRecord } from '../../../../shared/dead-letter/dead-letter-record.js';
import type { CallOptions, EcsGateway } from '../../../../shared/ecs/ecs-gateway.js';
import { RateLimitedEcsGateway } from '../../../../shared/ecs/rate-limited-gateway.js';
import { RateLimiter } from '../../../../shared/ecs/rate-limiter.js';
import { AppError } from '../../../../shared/errors/app-error.js';
import type { FunctionInvoker } from '../../../../shared/fc/function-invoker.js';
import { createLogger } from '../../../../shared/logging/logger.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import type { SweepSummary } from '../../../../shared/sweep/sweep-handler.js';

const OWN = '1234567890123456';
const M1 = '2000000000000001';
const M2 = '3000000000000002';
const OWN_KEY = 'own-key';

const policy: Policy = {
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole', 'BrokenRole'],
  regions: ['cn-hangzhou', 'cn-shanghai'],
  accounts: [{ id: OWN }, { id: M1, regions: ['cn-shanghai'] }, { id: M2 }],
  rules: [
    {
      name: 'web',
      when: { tags: { app: { kind: 'equals', value: 'web' } } },
      effect: { kind: 'role', role: 'EcsAppRole' },
    },
    {
      name: 'broken',
      when: { tags: { app: { kind: 'equals', value: 'broken' } } },
      effect: { kind: 'role', role: 'BrokenRole' },
    },
  ],
};

/** ECS as each account's credentials see it: the call goes to the fleet of the account the keys belong to. */
function routed(credential: CredentialProvider, fleets: Map<string, Fleet>): EcsGateway {
  const fleet = async () => {
    const key = (await credential.getCredential()).accessKeyId ?? '';
    const found = fleets.get(key);
    if (found === undefined) throw new Error(`no account has the key ${key}`);
    return found;
  };
  return {
    describeInstances: async (r, ids, o: CallOptions) => (await fleet()).describeInstances(r, ids, o),
    listInstances: async (r, token, o) => (await fleet()).listInstances(r, token, o),
    describeInstanceRoles: async (r, ids, page, o) => (await fleet()).describeInstanceRoles(r, ids, page, o),
    attachRole: async (r, role, ids, o) => (await fleet()).attachRole(r, role, ids, o),
    detachRole: async (r, role, ids, o) => (await fleet()).detachRole(r, role, ids, o),
  };
}

const accountOf = (roleArn: string): string => /^acs:ram::(\d+):/.exec(roleArn)?.[1] ?? '';

function harness(options: { perAccount: number; rate: number; refuse?: Set<string> }) {
  const time = new VirtualTime();
  const fleets = new Map<string, Fleet>();
  const byAccount = new Map<string, Fleet>();
  for (const [accountId, key] of [
    [OWN, OWN_KEY],
    [M1, `key-${M1}`],
    [M2, `key-${M2}`],
  ] as const) {
    const fleet = new Fleet(time, { ratePerSecond: options.rate, latencyMs: 30 });
    fleet.refusedRoles.add('BrokenRole');
    const prefix = accountId.slice(0, 4);
    for (const region of ['cn-hangzhou', 'cn-shanghai']) {
      for (let k = 0; k < options.perAccount; k++) {
        fleet.add({
          id: `i-${region === 'cn-hangzhou' ? 'bp1' : 'uf6'}${prefix}${String(k).padStart(13, '0')}`,
          region,
          tags: { app: k % 50 === 7 ? 'broken' : 'web' },
          role: null,
        });
      }
    }
    fleets.set(key, fleet);
    byAccount.set(accountId, fleet);
  }
  const assumed: string[] = [];
  const members = new MemberCredentials({
    assumeRole: async (_caller, input) => {
      const accountId = accountOf(input.roleArn);
      assumed.push(accountId);
      if (options.refuse?.has(accountId)) {
        throw new AppError('NoPermission', 'You are not authorized to assume this role', {
          errorClass: 'permanent',
        });
      }
      return {
        accessKeyId: `key-${accountId}`,
        accessKeySecret: `secret-${accountId}`,
        securityToken: `token-${accountId}`,
        expiresAt: time.now() + 3_600_000,
      };
    },
    roleName: 'ram-role-attacher-member',
    functionName: 'ecs-ram-role-attacher',
    now: time.now,
  });
  const records: DeadLetterRecord[] = [];
  const queued: Buffer[] = [];
  const lease = new MemoryLease();
  const invoker: FunctionInvoker = {
    invoke: async (_name, payload) => {
      queued.push(payload);
      return { ok: true, status: 202, requestId: `async-${queued.length}` };
    },
  };
  const lines: Record<string, unknown>[] = [];
  const handler = createAttachRoleHandler({
    config: loadConfig({
      DEAD_LETTER_QUEUE: 'dlq',
      FC_REGION: 'cn-hangzhou',
      FC_ACCOUNT_ID: OWN,
      ACCOUNTS: 'policy',
      SWEEP_CALLS_PER_SECOND: String(options.rate),
    }),
    policy,
    logger: createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    }),
    ecs: (credential) => routed(credential, fleets),
    deadLetters: () => ({
      send: async (batch) => {
        records.push(...batch);
      },
    }),
    accounts: { directory: policyDirectory(policy), members },
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    sweep: { lease: () => lease, invoker: () => invoker, sleep: time.sleep, random: () => 0.5 },
  });
  let requests = 0;
  const invoke = (event: Buffer | string) =>
    time.run(
      handler(event, {
        requestId: `req-${++requests}`,
        function: { name: 'ecs-ram-role-attacher', timeout: 30 },
        region: 'cn-hangzhou',
        accountId: OWN,
        credentials: { accessKeyId: OWN_KEY, accessKeySecret: 'own-secret', securityToken: 'own-token' },
      }),
    ) as Promise<SweepSummary>;
  /** Runs a sweep to its end through its continuations. */
  const sweep = async () => {
    const summaries = [await invoke('{"ram-role-attacher":"sweep"}')];
    for (let n = 0; n < 100 && queued.length > 0; n++) summaries.push(await invoke(queued.shift() as Buffer));
    return summaries;
  };
  return { byAccount, assumed, records, queued, lease, lines, sweep };
}

describe('the sweep over accounts × regions', () => {
  it("walks every configured account's own regions with its own credentials, through continuations", async () => {
    const h = harness({ perAccount: 400, rate: 1 });
    const summaries = await h.sweep();
    const last = summaries.at(-1);
    expect(last?.sweep.state).toBe('complete');
    // A continuation went on inside a later account: the cursor carries the account index.
    const accountIndexes = summaries.flatMap((s) =>
      s.sweep.next === undefined ? [] : [s.sweep.next.accountIndex],
    );
    expect(Math.max(...accountIndexes)).toBeGreaterThan(0);

    // Each account's instances, in its regions only: M1 lists cn-shanghai alone.
    const roles = (accountId: string, region: string) =>
      [...(h.byAccount.get(accountId)?.instances.values() ?? [])]
        .filter((i) => i.region === region && i.tags.app === 'web')
        .map((i) => i.role);
    for (const [accountId, region] of [
      [OWN, 'cn-hangzhou'],
      [OWN, 'cn-shanghai'],
      [M1, 'cn-shanghai'],
      [M2, 'cn-hangzhou'],
      [M2, 'cn-shanghai'],
    ] as const) {
      expect(new Set(roles(accountId, region))).toEqual(new Set(['EcsAppRole']));
    }
    expect(new Set(roles(M1, 'cn-hangzhou'))).toEqual(new Set([null]));
    expect(h.byAccount.get(M1)?.count('DescribeInstances')).toBe(4);

    // Failures are dead-lettered under their own account; one record per broken instance.
    const broken = 8 * 5;
    expect(h.records).toHaveLength(broken);
    const perAccount = (id: string) => h.records.filter((r) => r.accountId === id).length;
    expect([perAccount(OWN), perAccount(M1), perAccount(M2)]).toEqual([16, 8, 16]);

    // Member roles assumed once per account per expiry window, however many invocations; the own account none.
    expect(h.assumed.filter((a) => a === OWN)).toEqual([]);
    expect([...h.assumed].sort()).toEqual([M1, M2].sort());
    // Never throttled: each account's calls took its own account's budget (ECS limits are per account).
    expect([...h.byAccount.values()].map((f) => f.throttled)).toEqual([0, 0, 0]);
    // The whole sweep's totals, per region, add up to every instance walked.
    const total = Object.values(last?.sweep.regions ?? {}).reduce(
      (sum, c) => sum + Object.values(c).reduce((a, b) => a + (b ?? 0), 0),
      0,
    );
    expect(total).toBe(400 * 5);
    expect(h.lease.handle).toBeNull();
  }, 60_000);

  it('a member role that cannot be assumed: logged, counted as a failed account, the others swept', async () => {
    const h = harness({ perAccount: 50, rate: 50, refuse: new Set([M1]) });
    const summaries = await h.sweep();
    const last = summaries.at(-1);
    expect(summaries).toHaveLength(1);
    expect(last?.sweep.state).toBe('complete');
    expect(last?.sweep.failedAccounts).toEqual([{ accountId: M1, code: 'NoPermission' }]);
    // No instance of it is known: nothing read there, nothing dead-lettered for it.
    expect(h.byAccount.get(M1)?.count('DescribeInstances')).toBe(0);
    expect(h.records.filter((r) => r.accountId === M1)).toEqual([]);
    expect(Object.keys(last?.sweep.accounts ?? {}).sort()).toEqual([OWN, M2].sort());
    expect([...(h.byAccount.get(M2)?.instances.values() ?? [])].filter((i) => i.role !== null)).toHaveLength(
      98,
    );
    const complete = h.lines.find((l) => l.msg?.toString().startsWith('sweep complete'));
    expect(complete).toMatchObject({ failedAccounts: [{ accountId: M1, code: 'NoPermission' }] });
    expect(h.lines.some((l) => l.level === 'error' && l.accountId === M1 && l.code === 'NoPermission')).toBe(
      true,
    );
    // The keys never reach a log line.
    expect(JSON.stringify(h.lines)).not.toMatch(/secret-|token-|own-secret|own-token/);
  }, 60_000);
});

describe('RateLimitedEcsGateway: a budget per account', () => {
  it("one account's throttling slows that account's calls only", async () => {
    let now = 0;
    const limiter = new RateLimiter({
      ratePerSecond: 5,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    const throttling: EcsGateway = {
      describeInstances: async () => [],
      listInstances: async () => {
        throw new AppError('Throttling.User', 'flow control', { errorClass: 'retryable' });
      },
      describeInstanceRoles: async () => ({ rows: [], totalCount: 0, rowCount: 0 }),
      attachRole: async () => ({ requestId: 'r', results: [] }),
      detachRole: async () => ({ requestId: 'r', results: [] }),
    };
    const a = new RateLimitedEcsGateway(throttling, limiter, undefined, M1);
    await expect(a.listInstances('cn-hangzhou', null, { timeoutMs: 1_000 })).rejects.toThrow();
    expect(limiter.rate(`${M1}/cn-hangzhou/DescribeInstances`)).toBe(2.5);
    expect(limiter.rate(`${M2}/cn-hangzhou/DescribeInstances`)).toBe(5);
    expect(limiter.waitMs(`${M2}/cn-hangzhou/DescribeInstances`)).toBe(0);
  });
});
