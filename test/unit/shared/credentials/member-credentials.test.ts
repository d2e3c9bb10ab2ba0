import Credential from '@alicloud/credentials';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  durationFor,
  MemberCredentials,
  memberRoleArn,
  REFRESH_BEFORE_MS,
  sessionName,
} from '../../../../shared/credentials/member-credentials.js';
import type { AssumeRoleInput } from '../../../../shared/credentials/sts-client.js';
import { scrubSecrets } from '../../../../shared/logging/logger.js';

const caller = new Credential.default();

function setup() {
  let clock = 1_700_000_000_000;
  const inputs: AssumeRoleInput[] = [];
  const members = new MemberCredentials({
    roleName: 'Ram-Role-Attacher-Member',
    functionName: 'attach-role',
    now: () => clock,
    assumeRole: async (_caller, input) => {
      inputs.push(input);
      const n = inputs.length;
      return {
        accessKeyId: `STS.key${n}`,
        accessKeySecret: `secret-of-call-${n}-xxxxxxxx`,
        securityToken: `token-of-call-${n}-xxxxxxxxxx`,
        expiresAt: clock + input.durationSeconds * 1000,
      };
    },
  });
  const ask = (accountId: string, requestId = 'req') =>
    members.keys({ accountId, caller, requestId, timeoutSeconds: 60, neededUntil: clock + 60_000 });
  return { members, inputs, ask, advance: (ms: number) => (clock += ms) };
}

describe('MemberCredentials', () => {
  it('assumes once per account per expiry window, and again shortly before expiry', async () => {
    const { members, inputs, ask, advance } = setup();
    await ask('2000000000000001');
    await ask('2000000000000001');
    await ask('3000000000000002');
    expect(members.calls).toBe(2);
    // 900 s keys are kept until 5 minutes before they expire.
    advance(900_000 - REFRESH_BEFORE_MS - 1);
    await ask('2000000000000001');
    expect(members.calls).toBe(2);
    advance(2);
    await ask('2000000000000001');
    expect(members.calls).toBe(3);
    expect(inputs[0]).toEqual({
      roleArn: 'acs:ram::2000000000000001:role/ram-role-attacher-member',
      sessionName: 'attach-role@req',
      durationSeconds: 900,
    });
  });

  it('shares one AssumeRole between concurrent invocations', async () => {
    const { members, ask } = setup();
    await Promise.all([ask('2000000000000001', 'a'), ask('2000000000000001', 'b')]);
    expect(members.calls).toBe(1);
  });

  it('does not cache a failure', async () => {
    let fail = true;
    const members = new MemberCredentials({
      roleName: 'r',
      functionName: 'f',
      now: () => 0,
      assumeRole: async () => {
        if (fail) throw Object.assign(new Error('denied'), { code: 'NoPermission' });
        return {
          accessKeyId: 'STS.x',
          accessKeySecret: 'sssssssss',
          securityToken: 'ttttttttt',
          expiresAt: 3_600_000,
        };
      },
    });
    const request = { accountId: '1', caller, requestId: 'r', timeoutSeconds: 3, neededUntil: 3000 };
    await expect(members.keys(request)).rejects.toThrow('denied');
    fail = false;
    await expect(members.keys(request)).resolves.toMatchObject({ accessKeyId: 'STS.x' });
  });

  it('registers the assumed secret and token, so no log line can hold them', async () => {
    const { ask } = setup();
    const keys = await ask('2000000000000001');
    const line = scrubSecrets(`{"msg":"x","a":"${keys.accessKeySecret}","b":"${keys.securityToken}"}`);
    expect(line).not.toContain(keys.accessKeySecret);
    expect(line).not.toContain(keys.securityToken);
  });

  it('property: session names always fit STS under both documented lengths (AC-3)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (fn, request) => {
        expect(sessionName(fn, request)).toMatch(/^[A-Za-z0-9.@_-]{2,32}$/);
      }),
    );
  });

  it('asks for the shortest duration the invocation allows, within 900–3600 s (AC-2)', () => {
    expect(durationFor(3)).toBe(900);
    expect(durationFor(900)).toBe(1200);
    expect(durationFor(86_400)).toBe(3600);
    expect(memberRoleArn('1', 'MyRole')).toBe('acs:ram::1:role/myrole');
  });
});
