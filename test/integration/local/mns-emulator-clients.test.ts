import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AccessKey, CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { mnsAuthorization } from '../../../local/signature/mns.js';
import { mnsV4Authorization } from '../../../local/signature/mns-v4.js';
import { ACCOUNT_ID, type RawAnswer } from './mns-test-helpers.js';

// The emulator against every MNS client's wire form, not only @alicloud/mns: requests built by hand exactly as each
// client builds them (read from its source; cloud-facts MNS-2 … MNS-6), signed per the MNS signature page.

const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();
let emulator: MnsEmulator;
let queueNo = 0;
let q: string;

beforeAll(async () => {
  emulator = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, region: 'cn-hangzhou' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  q = `clients${++queueNo}`;
  emulator.createQueue(q);
});

const md5 = (body: string) => createHash('md5').update(body, 'utf8').digest();
/** RFC 1864: base64 of the raw 16-byte digest. */
const rfc1864 = (body: string) => md5(body).toString('base64');
/** What the official Node, Python and Go SDKs send: base64 of the 32-character hex digest. */
const ofHex = (body: string) => Buffer.from(md5(body).toString('hex'), 'utf8').toString('base64');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** PHP's http_build_query and Go's url.QueryEscape, for the characters a receipt handle holds. */
const formEncode = (text: string) => encodeURIComponent(text);

/** One request as sent on the wire: header names in the client's own case, nothing added by Node but Host. */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${path}`, { method, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

/** Signs with the V2 `MNS` signature over the resource as the client concatenated it, then adds the token. */
function signV2(method: string, path: string, headers: Record<string, string>, as: AccessKey = key) {
  const signed = {
    ...headers,
    Authorization: mnsAuthorization({ method, resource: path, headers }, as.accessKeyId, as.accessKeySecret),
  };
  return as.securityToken === undefined ? signed : { ...signed, 'security-token': as.securityToken };
}

interface Client {
  name: string;
  /** Headers and body of a request, signed. */
  build(
    method: string,
    path: string,
    body: string,
    as?: AccessKey,
  ): { headers: Record<string, string>; body: string };
  /** How the client puts a message body into SendMessage. */
  messageBody(text: string): string;
  receivePath(queue: string): string;
  visibilityPath(queue: string, handle: string, seconds: number): string;
  deletePath(queue: string, handle: string): string;
}

const now = () => new Date().toUTCString();

const CLIENTS: Client[] = [
  {
    // InCar/ali-mns 2.6.8, ts/OpenStack.ts + ts/Account.ts + ts/MQ.ts: RFC 1864 digest, Date only, base64 bodies.
    name: 'ali-mns 2.6.8 (community, npm)',
    build(method, path, body, as) {
      const headers: Record<string, string> = { 'x-mns-version': '2015-06-06', Date: now() };
      if (body !== '') {
        headers['Content-Length'] = String(Buffer.byteLength(body));
        headers['Content-Type'] = 'text/xml;charset=utf-8';
        headers['Content-MD5'] = rfc1864(body);
      }
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?ReceiptHandle=${handle}&VisibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${handle}`,
  },
  {
    // aliyun/aliyun-mns-python-sdk 1.2.2, mns/mns_client.py build_header/get_signature: hex digest, lower-case
    // names, a charset in the type, x-mns-user-request-id signed, no x-mns-date, base64 bodies by default.
    name: 'aliyun-mns Python SDK 1.2.2',
    build(method, path, body, as) {
      const headers: Record<string, string> = { 'x-mns-user-request-id': 'py-req-1' };
      if (body !== '') {
        headers['content-md5'] = ofHex(body);
        headers['content-type'] = 'text/xml;charset=UTF-8';
      }
      Object.assign(headers, {
        'x-mns-version': '2015-06-06',
        date: now(),
        'user-agent': 'aliyun-sdk-python/1.2.2',
      });
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?ReceiptHandle=${handle}&VisibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${handle}`,
  },
  {
    // aliyun/aliyun-mns-go-sdk 2.0.1, client.go Send + credential.go: application/xml, a hex digest on every request
    // (the empty body's too), the receipt handle url.QueryEscape'd and signed escaped.
    name: 'aliyun-mns Go SDK 2.0.1',
    build(method, path, body, as) {
      const headers = {
        'x-mns-version': '2015-06-06',
        'Content-Type': 'application/xml',
        'Content-MD5': ofHex(body),
        Date: now(),
      };
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: (text) => text,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?ReceiptHandle=${formEncode(handle)}&VisibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${formEncode(handle)}`,
  },
  {
    // aliyun/aliyun-mns-php-sdk 1.4.0, Http/HttpClient.php addRequiredHeaders + Signature/Signature.php: no digest,
    // text/xml on every request (GET too), the query built by http_build_query.
    name: 'aliyun-mns PHP SDK 1.4.0',
    build(method, path, body, as) {
      const headers: Record<string, string> = {
        Date: now(),
        'Content-Type': 'text/xml',
        'x-mns-version': '2015-06-06',
      };
      if (body !== '') headers['Content-Length'] = String(Buffer.byteLength(body));
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?receiptHandle=${formEncode(handle)}&visibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${formEncode(handle)}`,
  },
  {
    // aliyun/aliyun-mns-java-sdk 2.0.0, AbstractAction.addRequiredHeader + MNSV2Signer: no digest, a charset'd type
    // on every request, the raw receipt handle.
    name: 'aliyun-mns Java SDK 2.0.0 (V2 signature, the default)',
    build(method, path, body, as) {
      const headers = {
        'x-mns-version': '2015-06-06',
        Date: now(),
        'Content-Type': 'text/xml;charset=UTF-8',
        'x-mns-user-request-id': 'java-req-1',
      };
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?ReceiptHandle=${handle}&VisibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${handle}`,
  },
  {
    // The same SDK with SignVersion.V4 (MNSV4Signer): HMAC-SHA256 with a key derived for the day and region.
    name: 'aliyun-mns Java SDK 2.0.0 (V4 signature)',
    build(method, path, body, as = key) {
      const date = new Date(Math.floor(Date.now() / 1000) * 1000);
      const headers: Record<string, string> = {
        'x-mns-version': '2015-06-06',
        Date: date.toUTCString(),
        'Content-Type': 'text/xml;charset=UTF-8',
      };
      const [bare = '/', query = ''] = path.split('?');
      const pairs = query
        .split('&')
        .filter(Boolean)
        .map((pair): [string, string] => [
          pair.slice(0, pair.indexOf('=')),
          pair.slice(pair.indexOf('=') + 1),
        ]);
      headers.Authorization = mnsV4Authorization(
        { method, path: bare, query: pairs, headers, date, region: 'cn-hangzhou' },
        as.accessKeyId,
        as.accessKeySecret,
      );
      if (as.securityToken !== undefined) headers['security-token'] = as.securityToken;
      return { headers, body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?ReceiptHandle=${handle}&VisibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${handle}`,
  },
  {
    // The common-parameters page: x-mns-date may stand in for Date (a browser cannot set Date); its value is then
    // the DATE line of the string to sign.
    name: 'a client sending x-mns-date instead of Date',
    build(method, path, body, as) {
      const headers: Record<string, string> = { 'x-mns-version': '2015-06-06', 'x-mns-date': now() };
      if (body !== '') {
        headers['content-type'] = 'text/xml';
        headers['content-md5'] = rfc1864(body);
      }
      return { headers: signV2(method, path, headers, as), body };
    },
    messageBody: b64,
    receivePath: (queue) => `/queues/${queue}/messages?waitseconds=1`,
    visibilityPath: (queue, handle, s) =>
      `/queues/${queue}/messages?receiptHandle=${handle}&visibilityTimeout=${s}`,
    deletePath: (queue, handle) => `/queues/${queue}/messages?ReceiptHandle=${handle}`,
  },
];

const sendXml = (messageBody: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>${messageBody}</MessageBody></Message>`;
const handleOf = (xml: string) => /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(xml)?.[1] ?? '';

async function call(client: Client, method: string, path: string, body = '', as?: AccessKey) {
  const built = client.build(method, path, body, as);
  return send(method, path, built.headers, built.body);
}

describe.each(CLIENTS)('$name', (client) => {
  it('sends, receives, extends the visibility of and deletes a message', async () => {
    const text = 'attach-failed/i-bp1pay00000000000002';
    const sent = await call(client, 'POST', `/queues/${q}/messages`, sendXml(client.messageBody(text)));
    expect(sent.status, sent.body).toBe(201);
    expect(emulator.queue(q).bodies()).toEqual([client.messageBody(text)]);

    const received = await call(client, 'GET', client.receivePath(q));
    expect(received.status, received.body).toBe(200);
    expect(received.body).toContain(`<MessageBody>${client.messageBody(text)}</MessageBody>`);

    const changed = await call(client, 'PUT', client.visibilityPath(q, handleOf(received.body), 60));
    expect(changed.status, changed.body).toBe(200);

    const deleted = await call(client, 'DELETE', client.deletePath(q, handleOf(changed.body)));
    expect(deleted.status, deleted.body).toBe(204);
    expect(emulator.queue(q).size).toBe(0);
  });

  it('sends with STS credentials and their security-token', async () => {
    const sent = await call(client, 'POST', `/queues/${q}/messages`, sendXml(client.messageBody('sts')), sts);
    expect(sent.status, sent.body).toBe(201);
  });

  it('is refused with a wrong secret, and nothing is stored', async () => {
    const forged = { ...key, accessKeySecret: 'wrong' };
    const sent = await call(client, 'POST', `/queues/${q}/messages`, sendXml('eA=='), forged);
    expect(sent.status).toBe(403);
    expect(sent.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(emulator.queue(q).size).toBe(0);
  });
});

describe('Content-MD5 (cloud-facts MNS-5)', () => {
  const path = () => `/queues/${q}/messages`;

  /** A request signed over the given digest: only the digest check can refuse it. */
  function withDigest(body: string, digest: string) {
    const headers = {
      date: now(),
      'x-mns-version': '2015-06-06',
      'content-type': 'text/xml',
      'content-md5': digest,
    };
    return send('POST', path(), signV2('POST', path(), headers), body);
  }

  it('accepts RFC 1864 (base64 of the raw digest) and base64 of the hex digest', async () => {
    expect((await withDigest(sendXml('a'), rfc1864(sendXml('a')))).status).toBe(201);
    expect((await withDigest(sendXml('b'), ofHex(sendXml('b')))).status).toBe(201);
    expect(emulator.queue(q).bodies()).toEqual(['a', 'b']);
  });

  it.each([
    ['the RFC 1864 digest of another body', () => rfc1864(sendXml('other'))],
    ['the hex-form digest of another body', () => ofHex(sendXml('other'))],
    ['the bare hex digest', () => md5(sendXml('mine')).toString('hex')],
    ['base64 of the upper-case hex digest', () => b64(md5(sendXml('mine')).toString('hex').toUpperCase())],
  ])('refuses %s with 400 InvalidDegist and stores nothing', async (_, digest) => {
    const answer = await withDigest(sendXml('mine'), digest());
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidDegist</Code>');
    expect(answer.body).toContain('RFC 1864');
    expect(emulator.queue(q).size).toBe(0);
  });
});

describe('the request date (cloud-facts MNS-2)', () => {
  it('refuses a request with neither Date nor x-mns-date', async () => {
    const path = `/queues/${q}/messages`;
    const answer = await send('GET', path, signV2('GET', path, { 'x-mns-version': '2015-06-06' }));
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>MissingDateHeader</Code>');
  });

  it('checks the clock on x-mns-date when it stands in for Date', async () => {
    const path = `/queues/${q}/messages`;
    const stale = new Date(Date.now() - 16 * 60 * 1000).toUTCString();
    const headers = { 'x-mns-version': '2015-06-06', 'x-mns-date': stale };
    const answer = await send('GET', path, signV2('GET', path, headers));
    expect(answer.status).toBe(408);
    expect(answer.body).toContain('<Code>TimeExpired</Code>');
  });
});

describe('V4 scope (cloud-facts MNS-4)', () => {
  it('refuses a V4 signature made for another region, naming the scope it must have', async () => {
    const path = `/queues/${q}/messages`;
    const date = new Date(Math.floor(Date.now() / 1000) * 1000);
    const headers: Record<string, string> = { 'x-mns-version': '2015-06-06', Date: date.toUTCString() };
    headers.Authorization = mnsV4Authorization(
      { method: 'GET', path, query: [], headers, date, region: 'cn-shanghai' },
      key.accessKeyId,
      key.accessKeySecret,
    );
    const answer = await send('GET', path, headers);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(answer.body).toContain('/cn-hangzhou/mns/aliyun_v4_request');
  });
});
