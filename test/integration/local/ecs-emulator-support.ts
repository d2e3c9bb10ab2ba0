import { request as httpRequest } from 'node:http';
import Ecs from '@alicloud/ecs20140526';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { afterAll, expect } from 'vitest';
import type { AccessKey } from '../../../local/credential-store.js';
import {
  type EcsEmulator,
  type EcsEmulatorOptions,
  startEcsEmulator,
} from '../../../local/ecs-emulator/index.js';
import { parseSeed, type Seed } from '../../../local/seed.js';
import type { HeaderMap } from '../../../local/signature/acs3.js';

/**
 * The SDK client classes. Node's ESM loader hands a CommonJS module's `exports` to a default import (the class is
 * `.default`, sdk-wire §8); vitest's loader unwraps `exports.default` itself. Accept both.
 */
export const EcsClient = ((Ecs as unknown as { default?: unknown }).default ?? Ecs) as typeof Ecs.default;
const OpenApiClient = ((OpenApi as unknown as { default?: unknown }).default ??
  OpenApi) as typeof OpenApi.default;

export type EcsSdkClient = InstanceType<typeof EcsClient>;

export const HANGZHOU = 'cn-hangzhou';
export const A = 'i-bp1aaaaaaaaaaaaaaaa1'; // vpc, payments/prod, no role
export const B = 'i-bp1bbbbbbbbbbbbbbbb2'; // vpc, payments/staging, EcsAppRole
export const C = 'i-bp1cccccccccccccccc3'; // classic, untagged
export const D = 'i-bp1dddddddddddddddd4'; // Deleted
export const E = 'i-uf6eeeeeeeeeeeeeeee5'; // cn-shanghai
export const F = 'i-bp1ffffffffffffffff6'; // Stopped, build
export const UNKNOWN = 'i-bp1zzzzzzzzzzzzzzzz9';

export function testSeed(): Seed {
  return parseSeed({
    accountId: '1234567890123456',
    roles: [
      { name: 'EcsAppRole', trustsEcs: true },
      { name: 'EcsPaymentsRole', trustsEcs: true },
      { name: 'NotForEcsRole', trustsEcs: false },
    ],
    instances: [
      { id: A, region: HANGZHOU, tags: { team: 'payments', env: 'prod' } },
      { id: B, region: HANGZHOU, tags: { team: 'payments', env: 'staging' }, role: 'EcsAppRole' },
      { id: C, region: HANGZHOU, network: 'classic' },
      { id: D, region: HANGZHOU, status: 'Deleted', tags: { team: 'payments' } },
      { id: E, region: 'cn-shanghai', tags: { team: 'payments', env: 'prod' } },
      { id: F, region: HANGZHOU, status: 'Stopped', tags: { team: 'build', app: 'build-agent' } },
    ],
  });
}

/** Starts emulators on demand and closes every one of them after the file's tests. */
export function emulators(): (options: EcsEmulatorOptions) => Promise<EcsEmulator> {
  const started: EcsEmulator[] = [];
  afterAll(async () => {
    await Promise.all(started.map((e) => e.close()));
  });
  return async (options) => {
    const emulator = await startEcsEmulator(options);
    started.push(emulator);
    return emulator;
  };
}

type ConfigExtras = Record<string, unknown>;

function config(emulator: EcsEmulator, key: AccessKey, extras: ConfigExtras): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(key.securityToken === undefined ? {} : { securityToken: key.securityToken }),
    endpoint: emulator.host,
    protocol: 'http',
    regionId: HANGZHOU,
    ...extras,
  });
}

/** The real `@alicloud/ecs20140526` client, configured as sdk-wire §3.1 says. */
export function ecsClient(emulator: EcsEmulator, key: AccessKey, extras: ConfigExtras = {}): EcsSdkClient {
  return new EcsClient(config(emulator, key, extras));
}

/**
 * A generic `@alicloud/openapi-core` RPC call (what the generated client does internally), for requests the
 * generated methods cannot make: a form body, an unknown action, another version. Returns the raw PascalCase body.
 */
export async function callRpc(
  emulator: EcsEmulator,
  key: AccessKey,
  call: { action: string; version?: string; query?: Record<string, string>; body?: Record<string, string> },
): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const client = new OpenApiClient(config(emulator, key, {}));
  const params = new $OpenApiUtil.Params({
    action: call.action,
    version: call.version ?? '2014-05-26',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new $OpenApiUtil.OpenApiRequest({
    ...(call.query ? { query: call.query } : {}),
    ...(call.body ? { body: call.body } : {}),
  });
  const response = (await client.callApi(params, request, new $dara.RuntimeOptions({}))) as {
    statusCode: number;
    body: Record<string, unknown>;
  };
  return response;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  expect.fail('expected the call to fail');
}

/** The fields the SDK's ClientError / ServerError / ThrottlingError carry (sdk-wire §3.6). */
export interface SdkError extends Error {
  code: string;
  statusCode: number;
  requestId: string;
  retryAfter?: number;
  data: Record<string, unknown>;
}

export async function expectSdkError(
  promise: Promise<unknown>,
  expected: { code: string; statusCode: number; name?: string },
): Promise<SdkError> {
  const error = await rejection(promise);
  expect({ code: error.code, statusCode: error.statusCode }).toEqual({
    code: expected.code,
    statusCode: expected.statusCode,
  });
  if (expected.name) expect(error.name).toBe(expected.name);
  return error;
}

/** Sends a (captured) request verbatim to the emulator, keeping its Host header, and returns the JSON answer. */
export function sendRaw(
  emulator: EcsEmulator,
  raw: { method: string; path: string; rawQuery: string; headers: HeaderMap; body: Buffer | string },
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(raw.headers)) {
      if (value !== undefined && name !== 'content-length' && name !== 'connection') {
        headers[name] =
          typeof value === 'string' ? value : value.length === 1 ? (value[0] ?? '') : [...value];
      }
    }
    const body = Buffer.from(raw.body);
    headers['content-length'] = String(body.length);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: emulator.port,
        method: raw.method,
        path: raw.rawQuery === '' ? raw.path : `${raw.path}?${raw.rawQuery}`,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
