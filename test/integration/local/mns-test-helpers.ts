import { createHash } from 'node:crypto';
import { request } from 'node:http';
import MNS from '@alicloud/mns';
import type { AccessKey } from '../../../local/credential-store.js';
import { mnsAuthorization } from '../../../local/signature/mns.js';

export const ACCOUNT_ID = '1234567890123456';

/** The real SDK client, pointed at an emulator. */
export function mnsClient(
  url: string,
  key: AccessKey,
  overrides: { securityToken?: string; readTimeout?: number } = {},
): MNS {
  const securityToken = 'securityToken' in overrides ? overrides.securityToken : key.securityToken;
  return new MNS(ACCOUNT_ID, {
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(securityToken !== undefined && { securityToken }),
    endpoint: url,
    readTimeout: overrides.readTimeout ?? 5000,
    connectTimeout: 2000,
  });
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A hand-signed request, for what the SDK cannot be made to send (an old Date, a Content-MD5 that does not match the
 * body). Signed exactly as the SDK signs.
 */
export function rawMnsRequest(
  baseUrl: string,
  options: { method: string; path: string; key: AccessKey; body?: string; date?: Date; contentMd5?: string },
): Promise<RawAnswer> {
  const body = options.body ?? '';
  const date = (options.date ?? new Date()).toUTCString();
  const headers: Record<string, string> = { date, 'x-mns-date': date, 'x-mns-version': '2015-06-06' };
  if (options.method !== 'GET') {
    headers['content-type'] = 'text/xml';
    headers['content-md5'] =
      options.contentMd5 ?? Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const { accessKeyId, accessKeySecret } = options.key;
  headers.authorization = mnsAuthorization(
    { method: options.method, resource: options.path, headers },
    accessKeyId,
    accessKeySecret,
  );
  if (options.key.securityToken !== undefined) headers['security-token'] = options.key.securityToken;
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${options.path}`,
      { method: options.method, headers, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('raw MNS request timed out')));
    req.end(body);
  });
}

export function sendMessageXml(messageBody: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>${messageBody}</MessageBody></Message>`;
}

export function md5Upper(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}
