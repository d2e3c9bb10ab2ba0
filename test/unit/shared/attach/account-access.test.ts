import Credential from '@alicloud/credentials';
import { describe, expect, it } from 'vitest';
import { policyDirectory } from '../../../../shared/accounts/account-directory.js';
import { accessFor } from '../../../../shared/attach/account-access.js';
import { MemberCredentials } from '../../../../shared/credentials/member-credentials.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { Deadline } from '../../../../shared/retry/deadline.js';
import { FakeEcs } from './fake-ecs.js';

const OWN = '1234567890123456';
const MEMBER = '2000000000000001';
const policy = loadPolicy(
  `version: 1\nallowedRoles: [R]\naccounts:\n  - { id: "${OWN}" }\n  - { id: "${MEMBER}" }\nrules:\n  - name: r\n    when: {}\n    role: R\n`,
).policy;

function setup(failures: readonly string[]) {
  const errors = [...failures];
  let calls = 0;
  const members = new MemberCredentials({
    roleName: 'member',
    functionName: 'fn',
    now: () => 0,
    assumeRole: async () => {
      calls++;
      const code = errors.shift();
      if (code !== undefined)
        throw Object.assign(new Error(code), { code, statusCode: code === 'Throttling' ? 400 : 403 });
      return {
        accessKeyId: 'STS.a',
        accessKeySecret: 'secret-a-xxxx',
        securityToken: 'token-a-xxxx',
        expiresAt: 3_600_000,
      };
    },
  });
  const access = accessFor({
    directory: policyDirectory(policy),
    members,
    caller: new Credential.default(),
    ownAccountId: OWN,
    ecs: () => new FakeEcs({}),
    requestId: 'req',
    timeoutSeconds: 60,
    neededUntil: 60_000,
    retry: {
      deadline: new Deadline(60_000, () => 0),
      maxAttempts: 4,
      backoff: { baseMs: 1, capMs: 1 },
      sleep: async () => {},
    },
  });
  return { access, calls: () => calls };
}

describe('accessFor', () => {
  it('refuses an account nobody configured, without calling STS', async () => {
    const { access, calls } = setup([]);
    expect(await access('9999999999999999')).toEqual({ kind: 'refused' });
    expect(calls()).toBe(0);
  });

  it("uses the function's own keys in its own account (and for an event naming none)", async () => {
    const { access, calls } = setup([]);
    expect((await access(OWN)).kind).toBe('gateway');
    expect((await access(undefined)).kind).toBe('gateway');
    expect(calls()).toBe(0);
  });

  it('retries a throttled AssumeRole within the deadline', async () => {
    const { access, calls } = setup(['Throttling', 'Throttling']);
    expect((await access(MEMBER)).kind).toBe('gateway');
    expect(calls()).toBe(3);
  });

  it('gives up at once on NoPermission, with the code, permanent, after one attempt', async () => {
    const { access, calls } = setup(['NoPermission']);
    expect(await access(MEMBER)).toMatchObject({
      kind: 'failed',
      attempts: 1,
      info: { code: 'NoPermission', errorClass: 'permanent' },
    });
    expect(calls()).toBe(1);
  });
});
