import {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
} from '@alicloud/ecs20140526';
import { beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { EcsEmulator } from '../../../local/ecs-emulator/index.js';
import { captureEcsRequests } from '../../unit/local/signature/sdk-capture.js';
import {
  A,
  B,
  callRpc,
  ecsClient,
  emulators,
  expectSdkError,
  HANGZHOU,
  sendRaw,
  testSeed,
} from './ecs-emulator-support.js';

const start = emulators();
const credentials = new CredentialStore();
const ak = credentials.issueAccessKey();
const sts = credentials.issueSts();
let clockOffsetMs = 0;
let emu: EcsEmulator;

beforeAll(async () => {
  emu = await start({ seed: testSeed(), credentials, now: () => Date.now() + clockOffsetMs });
});

const describeA = () =>
  new DescribeInstancesRequest({ regionId: HANGZHOU, instanceIds: JSON.stringify([A]) });

describe('ECS emulator authentication (ACS3, through @alicloud/ecs20140526)', () => {
  it('accepts a long-term AccessKey and answers with a request id', async () => {
    const res = await ecsClient(emu, ak).describeInstances(describeA());
    expect(res.statusCode).toBe(200);
    expect(res.body?.requestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(res.headers?.['x-acs-request-id']).toBe(res.body?.requestId);
    expect(res.headers?.['content-type']).toBe('application/json;charset=utf-8');
  });

  it('accepts STS credentials with the token issued for them', async () => {
    const res = await ecsClient(emu, sts).describeInstanceRamRole(
      new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: JSON.stringify([B]) }),
    );
    expect(res.body?.instanceRamRoleSets?.instanceRamRoleSet).toEqual([
      { instanceId: B, ramRoleName: 'EcsAppRole' },
    ]);
    const last = emu.calls.records.at(-1);
    expect(last).toMatchObject({ service: 'ecs', action: 'DescribeInstanceRamRole', status: 200 });
    expect(last?.accessKeyId).toBe(sts.accessKeyId);
  });

  it('refuses an STS key with another token, or none', async () => {
    await expectSdkError(
      ecsClient(emu, { ...sts, securityToken: 'CAISnot-the-token' }).describeInstances(describeA()),
      {
        code: 'InvalidSecurityToken.MismatchWithAccessKey',
        statusCode: 400,
        name: 'ClientError',
      },
    );
    const { securityToken: _dropped, ...withoutToken } = sts;
    await expectSdkError(ecsClient(emu, withoutToken).describeInstances(describeA()), {
      code: 'InvalidSecurityToken.Malformed',
      statusCode: 400,
    });
  });

  it('refuses an unknown AccessKeyId with 404 and a real-shaped error body', async () => {
    const stranger = new CredentialStore().issueAccessKey();
    const error = await expectSdkError(ecsClient(emu, stranger).describeInstances(describeA()), {
      code: 'InvalidAccessKeyId.NotFound',
      statusCode: 404,
    });
    expect(Object.keys(error.data).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    expect(error.data.HostId).toBe(emu.host);
    expect(error.requestId).toBe(error.data.RequestId);
    expect(emu.calls.records.at(-1)).toMatchObject({
      action: 'DescribeInstances',
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
      accessKeyId: stranger.accessKeyId,
    });
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and the server StringToSign', async () => {
    const error = await expectSdkError(
      ecsClient(emu, { ...ak, accessKeySecret: 'wrong' }).describeInstances(describeA()),
      { code: 'SignatureDoesNotMatch', statusCode: 400 },
    );
    expect(error.data.Message).toMatch(
      /^Specified signature does not match our calculation\. server StringToSign is \[ACS3-HMAC-SHA256\n[0-9a-f]{64}\]$/,
    );
  });

  it('refuses a request dated more than 15 minutes off, either way', async () => {
    try {
      clockOffsetMs = 16 * 60_000;
      await expectSdkError(ecsClient(emu, ak).describeInstances(describeA()), {
        code: 'InvalidTimeStamp.Expired',
        statusCode: 400,
      });
      clockOffsetMs = -16 * 60_000;
      await expectSdkError(ecsClient(emu, ak).describeInstances(describeA()), {
        code: 'InvalidTimeStamp.Expired',
        statusCode: 400,
      });
      clockOffsetMs = 14 * 60_000;
      expect((await ecsClient(emu, ak).describeInstances(describeA())).statusCode).toBe(200);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('refuses a replayed request (same nonce, same key) and an altered body', async () => {
    const [captured] = await captureEcsRequests(ak, (client) => client.describeInstances(describeA()));
    if (!captured) throw new Error('nothing captured');
    const first = await sendRaw(emu, captured);
    expect(first.status).toBe(200);
    expect((first.body.Instances as { Instance: unknown[] }).Instance).toHaveLength(1);
    const replay = await sendRaw(emu, captured);
    expect(replay).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    expect(replay.headers['content-type']).toBe('application/json;charset=utf-8');
    const tampered = await sendRaw(emu, { ...captured, body: 'RegionId=cn-beijing' });
    expect(tampered).toMatchObject({ status: 400, body: { Code: 'ContentSHA256NotMatched' } });
  });

  it('refuses a captured request whose query was changed', async () => {
    const [captured] = await captureEcsRequests(ak, (client) => client.describeInstances(describeA()));
    if (!captured) throw new Error('nothing captured');
    const answer = await sendRaw(emu, { ...captured, rawQuery: `${captured.rawQuery}&Status=Running` });
    expect(answer).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
  });

  it('refuses a request without any signature', async () => {
    const answer = await sendRaw(emu, {
      method: 'POST',
      path: '/',
      rawQuery: 'RegionId=cn-hangzhou',
      headers: { host: emu.host, 'x-acs-action': 'DescribeInstances', 'x-acs-version': '2014-05-26' },
      body: '',
    });
    expect(answer).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
  });

  it('accepts a form body and signs its content-type (generic openapi-core callApi)', async () => {
    const res = await callRpc(emu, ak, {
      action: 'DescribeInstances',
      body: { RegionId: HANGZHOU, InstanceIds: JSON.stringify([A, B]) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.TotalCount).toBe(2);
  });

  it('answers an unknown action or version with a real-looking error', async () => {
    await expectSdkError(callRpc(emu, ak, { action: 'DescribeRegions', query: { RegionId: HANGZHOU } }), {
      code: 'InvalidAction.NotFound',
      statusCode: 404,
    });
    await expectSdkError(
      callRpc(emu, ak, { action: 'DescribeInstances', version: '2016-03-14', query: { RegionId: HANGZHOU } }),
      { code: 'InvalidVersion', statusCode: 400 },
    );
  });
});

describe('ECS emulator authentication (legacy RPC HMAC-SHA1, signatureAlgorithm v2)', () => {
  const attachA = () =>
    new AttachInstanceRamRoleRequest({
      regionId: HANGZHOU,
      ramRoleName: 'EcsPaymentsRole',
      instanceIds: JSON.stringify([A]),
    });

  it('accepts AK and STS requests and acts on them', async () => {
    const v1 = ecsClient(emu, ak, { signatureAlgorithm: 'v2' });
    expect((await v1.describeInstances(describeA())).body?.totalCount).toBe(1);
    const res = await ecsClient(emu, sts, { signatureAlgorithm: 'v2' }).attachInstanceRamRole(attachA());
    expect(res.body?.failCount).toBe(0);
    expect(emu.state.instance(A)?.role).toBe('EcsPaymentsRole');
    emu.state.setRole(A, null);
    const logged = emu.calls.records.at(-1);
    expect(logged?.params).toMatchObject({ SignatureMethod: 'HMAC-SHA1', RamRoleName: 'EcsPaymentsRole' });
    expect(logged?.params).not.toHaveProperty('Signature');
    expect(logged?.params).not.toHaveProperty('SecurityToken');
  });

  it('refuses a wrong secret, a wrong token and an unknown key', async () => {
    const error = await expectSdkError(
      ecsClient(emu, { ...ak, accessKeySecret: 'wrong' }, { signatureAlgorithm: 'v2' }).attachInstanceRamRole(
        attachA(),
      ),
      { code: 'SignatureDoesNotMatch', statusCode: 400 },
    );
    expect(error.data.Message).toContain('server string to sign is:POST&%2F&');
    await expectSdkError(
      ecsClient(emu, { ...sts, securityToken: 'CAISother' }, { signatureAlgorithm: 'v2' }).describeInstances(
        describeA(),
      ),
      { code: 'InvalidSecurityToken.MismatchWithAccessKey', statusCode: 400 },
    );
    await expectSdkError(
      ecsClient(emu, new CredentialStore().issueAccessKey(), { signatureAlgorithm: 'v2' }).describeInstances(
        describeA(),
      ),
      { code: 'InvalidAccessKeyId.NotFound', statusCode: 404 },
    );
    expect(emu.state.instance(A)?.role).toBeNull();
  });

  it('refuses a stale Timestamp and a reused SignatureNonce', async () => {
    const [captured] = await captureEcsRequests(ak, (client) => client.describeInstances(describeA()), {
      signatureAlgorithm: 'v2',
    });
    if (!captured) throw new Error('nothing captured');
    expect((await sendRaw(emu, captured)).status).toBe(200);
    expect(await sendRaw(emu, captured)).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    try {
      clockOffsetMs = -20 * 60_000;
      await expectSdkError(ecsClient(emu, ak, { signatureAlgorithm: 'v2' }).describeInstances(describeA()), {
        code: 'InvalidTimeStamp.Expired',
        statusCode: 400,
      });
    } finally {
      clockOffsetMs = 0;
    }
  });
});
