import { createHmac } from 'node:crypto';
import { AttachInstanceRamRoleRequest } from '@alicloud/ecs20140526';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseQueryString } from '../../../../local/signature/acs3.js';
import {
  buildRpcV1StringToSign,
  isRpcV1Request,
  signRpcV1,
  verifyRpcV1,
} from '../../../../local/signature/rpc-v1.js';
import { type CapturedRequest, captureEcsRequests } from './sdk-capture.js';

const KEY = { accessKeyId: 'LTAI5tTestAccessKey000002', accessKeySecret: 'v1-secret-abcdef' };
const lookup = (id: string) => (id === KEY.accessKeyId ? KEY.accessKeySecret : undefined);

type Pairs = Array<[string, string]>;
const replace = (pairs: Pairs, key: string, value: string): Pairs =>
  pairs.map(([k, v]) => [k, k === key ? value : v]);

describe('legacy RPC (HMAC-SHA1) signature', () => {
  let captured: CapturedRequest;
  let params: Pairs;

  beforeAll(async () => {
    [captured] = (await captureEcsRequests(
      KEY,
      (client) =>
        client.attachInstanceRamRole(
          new AttachInstanceRamRoleRequest({
            regionId: 'cn-hangzhou',
            ramRoleName: 'EcsRamRoleDemo',
            instanceIds: JSON.stringify(['i-bp1aaaaaaaaaaaaaaaa1']),
            policy: `{"Statement":[{"Action":"oss:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`,
          }),
        ),
      { signatureAlgorithm: 'v2' },
    )) as [CapturedRequest];
    params = parseQueryString(captured.rawQuery);
  });

  it('is what the SDK sends with signatureAlgorithm v2', () => {
    expect(isRpcV1Request(params)).toBe(true);
    expect(captured.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'AttachInstanceRamRole',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: KEY.accessKeyId,
    });
  });

  it('verifies the genuine request', () => {
    const result = verifyRpcV1({ method: captured.method, params }, lookup);
    expect(result).toMatchObject({ ok: true, accessKeyId: KEY.accessKeyId });
    expect(result.ok && result.stringToSign.startsWith('POST&%2F&AccessKeyId%3D')).toBe(true);
  });

  it('agrees with an independent HMAC-SHA1 over the documented string to sign', () => {
    const toSign = buildRpcV1StringToSign('POST', params);
    const expected = createHmac('sha1', `${KEY.accessKeySecret}&`).update(toSign).digest('base64');
    expect(signRpcV1(KEY.accessKeySecret, toSign)).toBe(expected);
    expect(Object.fromEntries(params).Signature).toBe(expected);
  });

  it('refuses a changed parameter, method or secret', () => {
    const changed = replace(params, 'RegionId', 'cn-beijing');
    expect(verifyRpcV1({ method: 'POST', params: changed }, lookup)).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
    expect(verifyRpcV1({ method: 'POST', params: [...params, ['Extra', '1']] }, lookup)).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(verifyRpcV1({ method: 'GET', params }, lookup)).toMatchObject({ reason: 'signature-mismatch' });
    expect(verifyRpcV1({ method: 'POST', params }, () => 'wrong')).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('names what is missing or unsupported', () => {
    const without = (key: string) => params.filter(([k]) => k !== key);
    expect(verifyRpcV1({ method: 'POST', params: without('Signature') }, lookup)).toMatchObject({
      reason: 'missing-signature',
    });
    expect(verifyRpcV1({ method: 'POST', params: without('AccessKeyId') }, lookup)).toMatchObject({
      reason: 'missing-access-key-id',
    });
    expect(
      verifyRpcV1({ method: 'POST', params: replace(params, 'SignatureMethod', 'HMAC-SHA256') }, lookup),
    ).toMatchObject({ reason: 'unsupported-signature-method' });
    expect(verifyRpcV1({ method: 'POST', params }, () => undefined)).toMatchObject({
      reason: 'unknown-access-key',
    });
  });
});
