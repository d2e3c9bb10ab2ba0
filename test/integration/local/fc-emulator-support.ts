import { request } from 'node:http';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import FC from '@alicloud/fc2';
import Fc3 from '@alicloud/fc20230330';
import { InvokeFunctionHeaders } from '@alicloud/fc20230330/dist/models/InvokeFunctionHeaders.js';
import { InvokeFunctionRequest } from '@alicloud/fc20230330/dist/models/InvokeFunctionRequest.js';
import MNSClient from '@alicloud/mns/lib/client.js';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { CallLog } from '../../../local/call-log.js';
import { type AccessKey, CredentialStore } from '../../../local/credential-store.js';
import type { FunctionDeployment } from '../../../local/deployment/deployment.js';
import { fcAuthorization, fcContentMd5 } from '../../../local/fc-emulator/fc-signature.js';
import {
  type FcEmulator,
  type FcEmulatorOptions,
  startFcEmulator,
} from '../../../local/fc-emulator/index.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import {
  buildCanonicalRequest,
  buildStringToSign,
  hashPayload,
  signAcs3,
} from '../../../local/signature/acs3.js';

export const ACCOUNT_ID = '1234567890123456';
export const REGION = 'cn-hangzhou';
export const DLQ = 'fc-failures';

/** A FunctionDeployment of one of test/fixtures/fc-functions, with test-sized defaults. */
export function fixtureFunction(
  dir: 'echo' | 'scripted' | 'broken' | 'callback',
  overrides: Partial<Omit<FunctionDeployment, 'asyncInvoke'>> & {
    asyncInvoke?: Partial<FunctionDeployment['asyncInvoke']>;
  } = {},
): FunctionDeployment {
  const { asyncInvoke, ...rest } = overrides;
  return {
    resource: dir,
    functionName: dir,
    region: REGION,
    runtime: 'nodejs20',
    handler: 'index.handler',
    codeDir: resolve(import.meta.dirname, '../../fixtures/fc-functions', dir),
    memorySize: 128,
    timeoutSeconds: 5,
    instanceConcurrency: 1,
    environment: {},
    triggers: [],
    ...rest,
    asyncInvoke: { maxRetryAttempts: 3, maxEventAgeSeconds: 86_400, ...asyncInvoke },
  };
}

/** `@alicloud/fc20230330`'s client class (Node and vitest hand over a CommonJS default differently). */
const Fc3Client = ((Fc3 as unknown as { default?: unknown }).default ?? Fc3) as typeof Fc3.default;
export type Fc3Client = InstanceType<typeof Fc3Client>;

/** The official FC 3.0 client, pointed at the emulator. */
export function fc3Client(
  url: string,
  key: AccessKey,
  options: { securityToken?: string; timeoutMs?: number } = {},
): Fc3Client {
  const securityToken = 'securityToken' in options ? options.securityToken : key.securityToken;
  return new Fc3Client(
    new $OpenApiUtil.Config({
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(securityToken === undefined ? {} : { securityToken }),
      endpoint: url.replace(/^http:\/\//, ''),
      protocol: 'http',
      regionId: REGION,
      connectTimeout: options.timeoutMs ?? 8000,
      readTimeout: options.timeoutMs ?? 8000,
    }),
  );
}

export interface Fc3Answer {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the answer says it is JSON, else the text. */
  data: unknown;
  bytes: Buffer;
}

/**
 * `InvokeFunction` through the official FC 3.0 SDK: `POST /2023-03-30/functions/{name}/invocations`, ACS3-signed.
 * `headers` go as the SDK's commonHeaders (e.g. `x-fc-invocation-type`).
 */
export async function invoke3(
  client: Fc3Client,
  name: string,
  event: string | Buffer,
  headers: Record<string, string> = {},
  qualifier?: string,
): Promise<Fc3Answer> {
  const response = await client.invokeFunctionWithOptions(
    name,
    new InvokeFunctionRequest({
      body: Readable.from(Buffer.from(event)),
      ...(qualifier === undefined ? {} : { qualifier }),
    }),
    new InvokeFunctionHeaders({ commonHeaders: { ...headers } }),
    new $dara.RuntimeOptions({}),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  const answerHeaders = response.headers ?? {};
  const text = bytes.toString('utf8');
  const json = answerHeaders['content-type']?.startsWith('application/json') && text !== '';
  return {
    status: response.statusCode ?? 0,
    headers: answerHeaders,
    data: json ? JSON.parse(text) : text,
    bytes,
  };
}

/** The real fc2 client, pointed at the emulator. */
export function fcClient(url: string, key: AccessKey, options: { securityToken?: string } = {}): FC {
  const securityToken = 'securityToken' in options ? options.securityToken : key.securityToken;
  return new FC(ACCOUNT_ID, {
    accessKeyID: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(securityToken === undefined ? {} : { securityToken }),
    region: REGION,
    endpoint: url,
    timeout: 8000,
  });
}

/** fc2's own `invokeFunction` on the 2016-08-15 path (the client's default version). */
export function invoke2(
  client: FC,
  service: string,
  name: string,
  event: string | Buffer,
  headers: FC.Headers = {},
  qualifier?: string,
) {
  client.version = '2016-08-15';
  return client.invokeFunction(service, name, event, headers, qualifier);
}

/**
 * fc2 with its version set to 2023-03-30, as the fc3 component does for some calls: FC 3.0's path, fc2's
 * signature (cloud-facts FC-3).
 */
export function invoke3WithFc2(client: FC, name: string, event: string | Buffer, headers: FC.Headers = {}) {
  client.version = '2023-03-30';
  return client.post(`/functions/${name}/invocations`, event, headers);
}

export interface FcSandbox {
  fc: FcEmulator;
  mns: MnsEmulator;
  credentials: CredentialStore;
  calls: CallLog;
  /** A long-term AccessKey the emulators accept. */
  key: AccessKey;
  /** `@alicloud/fc20230330` with `key`. */
  client: Fc3Client;
  /** `@alicloud/fc2` with `key`. */
  fc2: FC;
  /** The MNS SDK with its own keys, to read queues back. */
  mnsClient: MNSClient;
  logs: Array<{ functionName: string; requestId?: string; stream: string; line: string }>;
  close(): Promise<void>;
}

/** An MNS emulator holding the `DLQ` queue and an FC emulator running `functions`, sharing keys and call log. */
export async function startFcSandbox(
  functions: FunctionDeployment[],
  options: Partial<Omit<FcEmulatorOptions, 'functions' | 'credentials' | 'mns'>> = {},
): Promise<FcSandbox> {
  const credentials = new CredentialStore();
  const calls = new CallLog();
  const mns = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, calls, queues: [DLQ, 'probe'] });
  const logs: FcSandbox['logs'] = [];
  const fc = await startFcEmulator({
    functions,
    credentials,
    calls,
    accountId: ACCOUNT_ID,
    region: REGION,
    mns: { endpoint: mns.url },
    envOverrides: { MNS_ENDPOINT: mns.url },
    timeScale: 0.01,
    log: (line) => logs.push(line),
    ...options,
  });
  const key = credentials.issueAccessKey();
  const reader = credentials.issueAccessKey();
  return {
    fc,
    mns,
    credentials,
    calls,
    key,
    client: fc3Client(fc.url, key),
    fc2: fcClient(fc.url, key),
    mnsClient: new MNSClient(ACCOUNT_ID, {
      ...reader,
      endpoint: mns.url,
      readTimeout: 5000,
      connectTimeout: 2000,
    }),
    logs,
    close: async () => {
      await fc.close();
      await mns.close();
    },
  };
}

/** Every message now in `queue`, received (and left invisible) through @alicloud/mns. */
export async function receiveAll(client: MNSClient, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 50; i++) {
    try {
      const { body } = await client.receiveMessage(queue);
      if (body === undefined) break;
      bodies.push(body.MessageBody);
    } catch (error) {
      if ((error as Error).name === 'MNSMessageNotExistError') break;
      throw error;
    }
  }
  return bodies;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A hand-signed (fc2-style) request, for what fc2 cannot be made to send (an old Date, no STS token, another method). */
export function rawFcRequest(
  baseUrl: string,
  options: {
    method?: string;
    path: string;
    key: AccessKey;
    body?: string;
    date?: Date;
    headers?: Record<string, string>;
  },
): Promise<RawAnswer> {
  const method = options.method ?? 'POST';
  const body = Buffer.from(options.body ?? '', 'utf8');
  const headers: Record<string, string> = {
    date: (options.date ?? new Date()).toUTCString(),
    'x-fc-account-id': ACCOUNT_ID,
    'content-type': 'application/octet-stream',
    'content-md5': fcContentMd5(body),
    'content-length': String(body.length),
    ...options.headers,
  };
  headers.authorization = fcAuthorization(
    { method, path: options.path, headers },
    options.key.accessKeyId,
    options.key.accessKeySecret,
  );
  return sendRaw(`${baseUrl}${options.path}`, method, headers, body);
}

/**
 * A hand-signed ACS3 request (what `@alicloud/fc20230330` sends, built with the verifier's own canonicalization),
 * for what the SDK cannot be made to send: an old x-acs-date, a reused nonce, no STS token, a tampered body.
 */
export function rawAcs3Request(
  baseUrl: string,
  options: {
    path: string;
    query?: string;
    key: AccessKey;
    body?: string | Buffer;
    date?: Date;
    nonce?: string;
    headers?: Record<string, string>;
    /** Sent instead of the signed body (the signature stays that of `body`). */
    sendBody?: string | Buffer;
    /** Sent instead of the signed query. */
    sendQuery?: string;
    /** Headers dropped after signing. */
    drop?: string[];
  },
): Promise<RawAnswer> {
  const body = Buffer.from(options.body ?? '');
  const host = baseUrl.replace(/^http:\/\//, '');
  const headers: Record<string, string> = {
    host,
    'x-acs-version': '2023-03-30',
    'x-acs-action': 'InvokeFunction',
    'x-acs-date': (options.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': options.nonce ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`,
    'content-type': 'application/octet-stream',
    'x-acs-content-sha256': hashPayload(body),
    ...(options.key.securityToken === undefined
      ? {}
      : { 'x-acs-accesskey-id': options.key.accessKeyId, 'x-acs-security-token': options.key.securityToken }),
    ...options.headers,
  };
  const signed = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'))
    .sort();
  const canonical = buildCanonicalRequest(
    { method: 'POST', path: options.path, rawQuery: options.query ?? '', headers, body },
    signed,
  );
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${options.key.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signAcs3(options.key.accessKeySecret, buildStringToSign(canonical))}`;
  for (const name of options.drop ?? []) delete headers[name];
  const sent = options.sendBody === undefined ? body : Buffer.from(options.sendBody);
  headers['content-length'] = String(sent.length);
  const query = options.sendQuery ?? options.query;
  const target = `${baseUrl}${options.path}${query ? `?${query}` : ''}`;
  return sendRaw(target, 'POST', headers, sent);
}

function sendRaw(
  target: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = request(target, { method, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`raw request to ${target} timed out`)));
    req.end(body);
  });
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; statusCode?: number; data?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; statusCode?: number; data?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
