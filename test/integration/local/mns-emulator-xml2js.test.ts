import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { ACCOUNT_ID, md5Upper, mnsClient } from './mns-test-helpers.js';

// @alicloud/mns 1.2.0 depends on xml2js ^0.4.x; 0.4.23 lets a `__proto__` element set the prototype of the parsed
// object (CVE-2023-0842, fixed in 0.5.0). package.json `overrides` pins a fixed xml2js (cloud-facts MNS-17): these
// tests show the SDK and both bundles get it, and that the SDK still talks to MNS with it.

const require = createRequire(import.meta.url);
const FIXED = [0, 5, 0];

function atLeastFixed(version: string): boolean {
  const parts = version.split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < FIXED.length; i++) {
    const have = parts[i] ?? 0;
    const want = FIXED[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

/** The package.json of every xml2js a bundle (its entry and its chunks) was built from, found through the source maps. */
function bundledXml2jsVersions(bundle: string): string[] {
  const dir = resolve(`dist/${bundle}`);
  const sources = readdirSync(dir)
    .filter((file) => file.endsWith('.mjs.map'))
    .flatMap(
      (file) => (JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as { sources: string[] }).sources,
    );
  const roots = new Set(
    sources
      .map((source) => resolve(dir, source))
      .map((path) => /^(.*[/\\]node_modules[/\\]xml2js)[/\\]/.exec(path)?.[1])
      .filter((root): root is string => root !== undefined),
  );
  return [...roots].map(
    (root) => (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }).version,
  );
}

describe('xml2js under @alicloud/mns (CVE-2023-0842)', () => {
  it('is the overridden, fixed version where the SDK resolves it', () => {
    const sdkRequire = createRequire(require.resolve('@alicloud/mns/lib/helper.js'));
    const { version } = sdkRequire('xml2js/package.json') as { version: string };
    expect(atLeastFixed(version), `xml2js ${version}`).toBe(true);
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { overrides: Record<string, string> })
      .overrides.xml2js;
    expect(version).toBe(pinned);
  });

  it.each(['attach-role', 'dead-letter-alert'])('is the only xml2js bundled into %s, and fixed', (bundle) => {
    const versions = bundledXml2jsVersions(bundle);
    expect(versions).toHaveLength(1);
    expect(versions.every(atLeastFixed), versions.join(', ')).toBe(true);
  });

  it("keeps a __proto__ element an own property when the SDK's parser reads it", async () => {
    const helper = require('@alicloud/mns/lib/helper.js') as { parseXML(xml: string): Promise<unknown> };
    const parsed = (await helper.parseXML(
      '<Message><__proto__><ReceiptHandle>forged</ReceiptHandle></__proto__><MessageId>m-1</MessageId></Message>',
    )) as { Message: Record<string, unknown> };
    expect(Object.getPrototypeOf(parsed.Message)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed.Message, '__proto__')).toBe(true);
    expect(parsed.Message.MessageId).toEqual(['m-1']);
    expect(({} as Record<string, unknown>).ReceiptHandle).toBeUndefined();
  });
});

describe('@alicloud/mns with the overridden xml2js, against the emulator', () => {
  const credentials = new CredentialStore();
  const key = credentials.issueAccessKey();
  let emulator: MnsEmulator;

  beforeAll(async () => {
    emulator = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, queues: ['xml'] });
  });
  afterAll(() => emulator.close());

  it('sends, receives (every field parsed to a string), batch-receives and deletes', async () => {
    const client = mnsClient(emulator.url, key);
    const body = 'eyJraW5kIjoiYXR0YWNoLWZhaWxlZCJ9';
    const sent = await client.sendMessage('xml', { MessageBody: body });
    expect(sent).toMatchObject({ code: 201, body: { MessageBodyMD5: md5Upper(body) } });
    await client.batchSendMessage('xml', [{ MessageBody: 'a' }, { MessageBody: 'b' }]);

    const received = await client.receiveMessage('xml', 1);
    expect(received.body).toMatchObject({
      MessageId: sent.body?.MessageId,
      MessageBody: body,
      DequeueCount: '1',
      ReceiptHandle: expect.any(String),
    });
    const batch = await client.batchReceiveMessage('xml', 16, 1);
    expect(batch.body.map((m) => m.MessageBody)).toEqual(['a', 'b']);
    await client.deleteMessage('xml', received.body?.ReceiptHandle ?? '');
    await client.batchDeleteMessage(
      'xml',
      batch.body.map((m) => m.ReceiptHandle),
    );
    expect(emulator.queue('xml').size).toBe(0);
  });
});
