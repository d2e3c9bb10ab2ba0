import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import Ecs, { DescribeInstancesRequest } from '@alicloud/ecs20140526';
import MNSClient from '@alicloud/mns/lib/client.js';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { afterEach, describe, expect, it } from 'vitest';

interface Endpoints {
  accountId: string;
  ecs: { endpoint: string; protocol: 'http' };
  mns: { endpoint: string };
  fc: { endpoint: string; functions: string[] };
  accessKeyId: string;
  accessKeySecret: string;
  queues: string[];
}

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

/** Starts a CLI and resolves with the first stdout line that is a JSON object (bounded wait). */
async function firstJsonLine(args: string[]): Promise<Endpoints> {
  child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { PATH: process.env.PATH } });
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no JSON line within 40 s:\n${buffered}`)), 40_000);
    child?.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Endpoints);
      }
    });
    child?.once('exit', (code) =>
      reject(new Error(`exited ${code} before printing endpoints:\n${buffered}`)),
    );
  });
}

async function usableWithSdks(endpoints: Endpoints): Promise<void> {
  const ecs = new Ecs.default(
    new $OpenApiUtil.Config({
      accessKeyId: endpoints.accessKeyId,
      accessKeySecret: endpoints.accessKeySecret,
      endpoint: endpoints.ecs.endpoint,
      protocol: endpoints.ecs.protocol,
      regionId: 'cn-hangzhou',
    }),
  );
  const described = await ecs.describeInstances(
    new DescribeInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 100 }),
  );
  expect(described.body?.totalCount).toBeGreaterThan(0);
  const mns = new MNSClient(endpoints.accountId, {
    accessKeyId: endpoints.accessKeyId,
    accessKeySecret: endpoints.accessKeySecret,
    endpoint: endpoints.mns.endpoint,
  });
  const queue = endpoints.queues[0] ?? '';
  expect((await mns.sendMessage(queue, { MessageBody: 'hello' })).code).toBe(201);
  expect(endpoints.fc.functions).toEqual(['ecs-ram-role-attacher', 'ram-role-attacher-alert']);
}

describe('serving the stack for other clients', () => {
  it('npm run emulators prints every endpoint and an AccessKey pair the official SDKs can use', {
    timeout: 60_000,
  }, async () => {
    await usableWithSdks(await firstJsonLine(['local/emulators.ts', '--seed', 'local/examples/seed.json']));
    child?.kill('SIGTERM');
    const [code] = (await once(child as ChildProcess, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('npm start --serve keeps the stack up after the scenario and prints it as one JSON line', {
    timeout: 60_000,
  }, async () => {
    const endpoints = await firstJsonLine([
      'local/start.ts',
      '--scenario',
      'test/fixtures/scenarios/tiny.yaml',
      '--serve',
    ]);
    await usableWithSdks(endpoints);
  });
});
