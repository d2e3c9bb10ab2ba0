import { AttachInstanceRamRoleRequest } from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import Ram, { GetRoleRequest } from '@alicloud/ram20150501';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessKey, CredentialStore } from '../../../local/credential-store.js';
import { type EcsEmulator, startEcsEmulator } from '../../../local/ecs-emulator/index.js';
import { type RamEmulator, startRamEmulator } from '../../../local/ram-emulator/index.js';
import { parseSeed } from '../../../local/seed.js';
import { ecsClient, expectSdkError, HANGZHOU } from './ecs-emulator-support.js';

/** Node's ESM loader hands the CommonJS `exports` to a default import; vitest unwraps `.default` (sdk-wire §8). */
const RamClient = ((Ram as unknown as { default?: unknown }).default ?? Ram) as typeof Ram.default;

const ACCOUNT = '1234567890123456';
const INSTANCE = 'i-bp1aaaaaaaaaaaaaaaa1';
const credentials = new CredentialStore();
const ak = credentials.issueAccessKey();
const sts = credentials.issueSts();
let ecs: EcsEmulator;
let ram: RamEmulator;

const conditionalTrust = {
  Version: '1',
  Statement: {
    Effect: 'Allow',
    Action: ['sts:AssumeRole'],
    Principal: { Service: 'ecs.aliyuncs.com' },
    Condition: { StringEquals: { 'acs:SourceAccount': ACCOUNT } },
  },
};

beforeAll(async () => {
  ecs = await startEcsEmulator({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [
        { name: 'EcsAppRole' },
        { name: 'NotForEcsRole', trustsEcs: false },
        { name: 'ConditionalRole', trustPolicy: conditionalTrust },
      ],
      instances: [{ id: INSTANCE, region: HANGZHOU }],
    }),
    credentials,
  });
  ram = await startRamEmulator({ accountId: ACCOUNT, credentials, state: ecs.state.ram });
});
afterAll(async () => {
  await Promise.all([ecs?.close(), ram?.close()]);
});

function ramClient(key: AccessKey, extras: Record<string, unknown> = {}) {
  return new RamClient(
    new $OpenApiUtil.Config({
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(key.securityToken === undefined ? {} : { securityToken: key.securityToken }),
      endpoint: ram.host,
      protocol: 'http',
      ...extras,
    }),
  );
}

// Both signatures the official client can send: ACS3 (default) and the legacy RPC HMAC-SHA1 (`v2`), which is
// also what @alicloud/pop-core and the older @alicloud/ram sign with (cloud-facts RM-6).
describe.each([
  ['ACS3', {}],
  ['RPC HMAC-SHA1', { signatureAlgorithm: 'v2' }],
])('RAM emulator, GetRole through @alicloud/ram20150501 (%s)', (_, extras) => {
  it('answers a role with its ARN and its trust policy document (a JSON string)', async () => {
    const res = await ramClient(ak, extras).getRole(new GetRoleRequest({ roleName: 'EcsAppRole' }));
    expect(res.statusCode).toBe(200);
    const role = res.body?.role;
    expect(role).toMatchObject({
      roleName: 'EcsAppRole',
      arn: `acs:ram::${ACCOUNT}:role/EcsAppRole`,
      maxSessionDuration: 3600,
    });
    expect(role?.roleId).toMatch(/^\d{16}$/);
    expect(role?.createDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(JSON.parse(role?.assumeRolePolicyDocument ?? '')).toEqual({
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['ecs.aliyuncs.com'] } },
      ],
      Version: '1',
    });
    expect(res.body?.requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('answers a missing role with EntityNotExist.Role 404', async () => {
    const error = await expectSdkError(
      ramClient(sts, extras).getRole(new GetRoleRequest({ roleName: 'NoSuchRole' })),
      { code: 'EntityNotExist.Role', statusCode: 404 },
    );
    expect(error.data.Recommend).toContain('product=Ram');
  });

  it('refuses a bad role name, a bad signature and a wrong STS token', async () => {
    await expectSdkError(ramClient(ak, extras).getRole(new GetRoleRequest({ roleName: 'bad/name' })), {
      code: 'InvalidParameter.RoleName.InvalidChars',
      statusCode: 400,
    });
    await expectSdkError(ramClient(ak, extras).getRole(new GetRoleRequest({ roleName: 'x'.repeat(65) })), {
      code: 'InvalidParameter.RoleName.Length',
      statusCode: 400,
    });
    await expectSdkError(
      ramClient({ ...ak, accessKeySecret: 'wrong' }, extras).getRole(
        new GetRoleRequest({ roleName: 'EcsAppRole' }),
      ),
      { code: 'SignatureDoesNotMatch', statusCode: 400 },
    );
    await expectSdkError(
      ramClient({ ...sts, securityToken: 'CAISother' }, extras).getRole(
        new GetRoleRequest({ roleName: 'EcsAppRole' }),
      ),
      { code: 'InvalidSecurityToken.MismatchWithAccessKey', statusCode: 400 },
    );
    await expectSdkError(
      ramClient(new CredentialStore().issueAccessKey(), extras).getRole(
        new GetRoleRequest({ roleName: 'EcsAppRole' }),
      ),
      { code: 'InvalidAccessKeyId.NotFound', statusCode: 404 },
    );
  });
});

describe('ECS reads the roles from RAM', () => {
  const attach = (role: string) =>
    ecsClient(ecs, ak).attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName: role,
        instanceIds: JSON.stringify([INSTANCE]),
      }),
    );

  it('NotEcsRole follows from the trust policy, and a trust policy fixed in RAM lets the attach through', async () => {
    await expectSdkError(attach('NotForEcsRole'), { code: 'InvalidRamRole.NotEcsRole', statusCode: 404 });
    ram.state.setTrustPolicy('NotForEcsRole', {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: ['fc.aliyuncs.com', 'ecs.aliyuncs.com'] },
        },
      ],
    });
    const res = await attach('NotForEcsRole');
    expect(res.body?.failCount).toBe(0);
    expect(ecs.state.instance(INSTANCE)?.role).toBe('NotForEcsRole');
    ecs.state.setRole(INSTANCE, null);
  });

  it('a role created in RAM exists for ECS; a Deny for ECS in its trust policy makes it NotEcsRole', async () => {
    ram.state.addRole({
      name: 'DeniedRole',
      trustPolicy: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ecs.aliyuncs.com' } },
          { Effect: 'Deny', Action: 'sts:*', Principal: { Service: ['ecs.aliyuncs.com'] } },
        ],
      },
    });
    await expectSdkError(attach('DeniedRole'), { code: 'InvalidRamRole.NotEcsRole', statusCode: 404 });
    await expectSdkError(attach('NeverCreatedRole'), { code: 'InvalidRamRole.NotFound', statusCode: 404 });
  });

  it('setRoleTrustsEcs rewrites the trust policy GetRole answers, keeping the other services', async () => {
    ram.state.addRole({
      name: 'SharedRole',
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'fc.aliyuncs.com' } }],
      },
    });
    ecs.state.setRoleTrustsEcs('SharedRole', true);
    const res = await ramClient(ak).getRole(new GetRoleRequest({ roleName: 'SharedRole' }));
    expect(JSON.parse(res.body?.role?.assumeRolePolicyDocument ?? '').Statement[0].Principal.Service).toEqual(
      ['fc.aliyuncs.com', 'ecs.aliyuncs.com'],
    );
    ecs.state.setRoleTrustsEcs('SharedRole', false);
    expect(ecs.state.role('SharedRole')).toEqual({ name: 'SharedRole', trustsEcs: false });
    expect(ram.calls.records.at(-1)).toMatchObject({ service: 'ram', action: 'GetRole', status: 200 });
  });

  it('a conditional trust still lets ECS attach (conditions are not evaluated: cloud-facts RM-5)', async () => {
    expect(ecs.state.role('ConditionalRole')).toEqual({ name: 'ConditionalRole', trustsEcs: true });
  });
});
