import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ecs from '@alicloud/ecs20140526';
import Fc from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { type HeaderMap, type HttpRequestParts, headerMapFromRaw } from '../../../../local/signature/acs3.js';

/**
 * The client class. Node's ESM loader hands a CommonJS module's `exports` to a default import (so the class is
 * `.default`, as sdk-wire §8 says); vitest's loader unwraps `exports.default` itself. Accept both.
 */
const EcsClient = ((Ecs as unknown as { default?: unknown }).default ?? Ecs) as typeof Ecs.default;
const FcClient = ((Fc as unknown as { default?: unknown }).default ?? Fc) as typeof Fc.default;

/** One request exactly as it reached the capture server. */
export interface CapturedRequest extends HttpRequestParts {
  headers: HeaderMap;
  body: Buffer;
}

export interface CaptureKeys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * Runs `calls` with a real `@alicloud/ecs20140526` client pointed at a throw-away server on 127.0.0.1 that answers
 * every request with `{}`, and returns the requests it received: genuine SDK signatures over a known secret.
 */
export function captureEcsRequests(
  keys: CaptureKeys,
  calls: (client: InstanceType<typeof EcsClient>) => Promise<unknown>,
  config: { signatureAlgorithm?: string } = {},
): Promise<CapturedRequest[]> {
  return capture((endpoint) =>
    calls(new EcsClient(new $OpenApiUtil.Config({ ...keys, ...endpoint, ...config }))),
  );
}

/** The same with a real `@alicloud/fc20230330` client (ROA requests: path, query and a body). */
export function captureFcRequests(
  keys: CaptureKeys,
  calls: (client: InstanceType<typeof FcClient>) => Promise<unknown>,
): Promise<CapturedRequest[]> {
  return capture((endpoint) => calls(new FcClient(new $OpenApiUtil.Config({ ...keys, ...endpoint }))));
}

async function capture(
  run: (endpoint: { endpoint: string; protocol: string; regionId: string }) => Promise<unknown>,
): Promise<CapturedRequest[]> {
  const captured: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      captured.push({
        method: req.method ?? 'GET',
        path: q === -1 ? url : url.slice(0, q),
        rawQuery: q === -1 ? '' : url.slice(q + 1),
        headers: headerMapFromRaw(req.rawHeaders),
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await run({ endpoint: `127.0.0.1:${port}`, protocol: 'http', regionId: 'cn-hangzhou' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return captured;
}
