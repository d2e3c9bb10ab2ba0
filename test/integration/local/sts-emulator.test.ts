/**
 * The STS and Resource Directory emulators through the official clients (`@alicloud/sts20150401`,
 * `@alicloud/resourcemanager20200331`), and the ECS emulator's accounts: keys STS issues for one account never
 * reach another account's instances, and are refused with the gateway's codes when misused or expired.
 */
import { DescribeInstancesRequest } from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import Ram, { GetRoleRequest } from '@alicloud/ram20150501';
import ResourceManager, { ListAccountsRequest } from '@alicloud/resourcemanager20200331';
import Sts, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessKey, CredentialStore } from '../../../local/credential-store.js';
import { type EcsEmulator, startEcsEmulator } from '../../../local/ecs-emulator/index.js';
import { type RamEmulator, startRamEmulator } from '../../../local/ram-emulator/index.js';
import { type RdEmulator, startRdEmulator } from '../../../local/rd-emulator/index.js';
import { parseSeed } from '../../../local/seed.js';
import { type StsEmulator, startStsEmulator } from '../../../local/sts-emulator/index.js';
import { ecsClient, expectSdkError, HANGZHOU } from './ecs-emulator-support.js';

const RamClient = ((Ram as unknown as { default?: unknown }).default ?? Ram) as typeof Ram.default;
const StsClient = ((Sts as unknown as { default?: unknown }).default ?? Sts) as typeof Sts.default;
const RmClient = ((ResourceManager as unknown as { default?: unknown }).default ??
  ResourceManager) as typeof ResourceManager.default;

const CENTRAL = '1234567890123456';
const A = '2000000000000001';
const B = '3000000000000002';
const FN_ROLE = `acs:ram::${CENTRAL}:role/ram-role-attacher`;
const trust = (principal: string) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: principal } }],
});
const seed = (accountId: string, instanceId: string, trustPolicy = trust(FN_ROLE)) =>
  parseSeed({
    accountId,
    roles: [{ name: 'Member', trustPolicy }],
    instances: [{ id: instanceId, region: HANGZHOU, tags: {} }],
  });

let clock = Date.now();
const credentials = new CredentialStore();
const fnKeys = credentials.issueSts({ accountId: CENTRAL, principalArn: FN_ROLE });
const rootKey = credentials.issueAccessKey({ accountId: CENTRAL });
let ecs: EcsEmulator;
let sts: StsEmulator;
let rd: RdEmulator;
let ram: RamEmulator;

beforeAll(async () => {
  ecs = await startEcsEmulator({
    seed: seed(CENTRAL, 'i-bp1central000000001'),
    credentials,
    now: () => clock,
    members: [
      { seed: seed(A, 'i-bp1accounta00000001') },
      { seed: seed(B, 'i-bp1accountb00000001', trust(`acs:ram::${CENTRAL}:role/other`)) },
    ],
  });
  sts = await startStsEmulator({
    credentials,
    primaryAccountId: CENTRAL,
    ramFor: (account) => ecs.accounts.get(account)?.ram,
    now: () => clock,
  });
  ram = await startRamEmulator({
    accountId: CENTRAL,
    credentials,
    state: ecs.state.ram,
    stateFor: (account) => ecs.accounts.get(account)?.ram,
    now: () => clock,
  });
  const members = Array.from({ length: 150 }, (_, i) => ({ accountId: String(5_000_000_000_000_000 + i) }));
  rd = await startRdEmulator({
    credentials,
    primaryAccountId: CENTRAL,
    managementAccountId: CENTRAL,
    members,
    now: () => clock,
  });
});
afterAll(async () => {
  await Promise.all([ecs?.close(), sts?.close(), rd?.close(), ram?.close()]);
});

const config = (host: string, key: AccessKey) =>
  new $OpenApiUtil.Config({
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(key.securityToken === undefined ? {} : { securityToken: key.securityToken }),
    endpoint: host,
    protocol: 'http',
    regionId: HANGZHOU,
  });

async function assume(account: string, key: AccessKey = fnKeys, extra: Partial<AssumeRoleRequest> = {}) {
  const client = new StsClient(config(sts.host, key));
  const response = await client.assumeRole(
    new AssumeRoleRequest({
      roleArn: `acs:ram::${account}:role/member`,
      roleSessionName: 'fn@req1',
      durationSeconds: 900,
      ...extra,
    }),
  );
  const c = response.body?.credentials;
  return {
    accessKeyId: c?.accessKeyId ?? '',
    accessKeySecret: c?.accessKeySecret ?? '',
    securityToken: c?.securityToken ?? '',
    expiration: c?.expiration ?? '',
  };
}

const instanceIds = async (key: AccessKey) => {
  const answer = await ecsClient(ecs, key).describeInstances(
    new DescribeInstancesRequest({ regionId: HANGZHOU, pageSize: 100 }),
  );
  return (answer.body?.instances?.instance ?? []).map((i) => i.instanceId);
};

describe('STS emulator', () => {
  it("issues keys that see only their own account's instances", async () => {
    const keysA = await assume(A);
    expect(keysA.accessKeyId).toMatch(/^STS\./);
    expect(keysA.expiration).toBe(
      new Date(Math.floor(clock / 1000) * 1000 + 900_000).toISOString().replace('.000', ''),
    );
    expect(await instanceIds(keysA)).toEqual(['i-bp1accounta00000001']);
    expect(await instanceIds(fnKeys)).toEqual(['i-bp1central000000001']);
  });

  it("refuses one account's key with another account's token", async () => {
    const keysA = await assume(A);
    const keysCentral = fnKeys;
    await expectSdkError(
      ecsClient(ecs, { ...keysA, securityToken: keysCentral.securityToken }).describeInstances(
        new DescribeInstancesRequest({ regionId: HANGZHOU }),
      ),
      { code: 'InvalidSecurityToken.MismatchWithAccessKey', statusCode: 400 },
    );
  });

  it('refuses keys past their expiration', async () => {
    const keysA = await assume(A);
    clock += 900_000;
    try {
      await expectSdkError(
        ecsClient(ecs, keysA).describeInstances(new DescribeInstancesRequest({ regionId: HANGZHOU })),
        { code: 'InvalidSecurityToken.Expired', statusCode: 400 },
      );
    } finally {
      clock -= 900_000;
    }
  });

  it('checks the trust policy, the role, the session name, the duration and the caller (AC-2, AC-3, AC-5)', async () => {
    await expectSdkError(assume(B), { code: 'NoPermission', statusCode: 403 });
    await expectSdkError(assume('4000000000000003'), { code: 'EntityNotExist.Role', statusCode: 404 });
    await expectSdkError(assume(A, fnKeys, { roleSessionName: 'a b' }), {
      code: 'InvalidParameter.RoleSessionName',
      statusCode: 400,
    });
    await expectSdkError(assume(A, fnKeys, { durationSeconds: 899 }), {
      code: 'InvalidParameter.DurationSeconds',
      statusCode: 400,
    });
    await expectSdkError(assume(A, rootKey), { code: 'NoPermission', statusCode: 403 });
    // An assumed member role is not trusted by another member's role.
    const keysA = await assume(A);
    await expectSdkError(assume(B, keysA), { code: 'NoPermission', statusCode: 403 });
  });
});

describe('RAM emulator with accounts', () => {
  it("answers GetRole from the caller's own account", async () => {
    const trustOf = async (key: AccessKey) =>
      (await new RamClient(config(ram.host, key)).getRole(new GetRoleRequest({ roleName: 'Member' }))).body
        ?.role?.assumeRolePolicyDocument;
    expect(await trustOf(await assume(A))).toContain(FN_ROLE);
    const roleArnOf = async (key: AccessKey) =>
      (await new RamClient(config(ram.host, key)).getRole(new GetRoleRequest({ roleName: 'Member' }))).body
        ?.role?.arn;
    expect(await roleArnOf(await assume(A))).toBe(`acs:ram::${A}:role/Member`);
    expect(await roleArnOf(fnKeys)).toBe(`acs:ram::${CENTRAL}:role/Member`);
  });
});

describe('Resource Directory emulator', () => {
  it('pages ListAccounts (PageSize 1–100) for the management account only', async () => {
    const client = new RmClient(config(rd.host, fnKeys));
    const page2 = await client.listAccounts(new ListAccountsRequest({ pageNumber: 2, pageSize: 100 }));
    expect(page2.body?.totalCount).toBe(150);
    expect(page2.body?.accounts?.account).toHaveLength(50);
    await expectSdkError(client.listAccounts(new ListAccountsRequest({ pageSize: 101 })), {
      code: 'InvalidParameter.PageSize',
      statusCode: 400,
    });
    const keysA = await assume(A);
    await expectSdkError(new RmClient(config(rd.host, keysA)).listAccounts(new ListAccountsRequest({})), {
      code: 'NoPermission',
      statusCode: 403,
    });
  });
});
