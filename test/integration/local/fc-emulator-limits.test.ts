import { afterEach, describe, expect, it } from 'vitest';
import { parseMnsArn } from '../../../local/deployment/mns-arn.js';
import { ASYNC_PAYLOAD_LIMIT_BYTES } from '../../../local/fc-emulator/payload-limits.js';
import { readDeadLetterMessage } from '../../../shared/dead-letter/dead-letter-message.js';
import {
  ACCOUNT_ID,
  DLQ,
  type FcSandbox,
  fixtureFunction,
  invoke3,
  receiveAll,
  startFcSandbox,
} from './fc-emulator-support.js';

// The FC emulator as strict as FC's documentation: payload limits (docs/cloud-facts.md FT-13), and each
// documented form of the onFailure record (FT-9, FT-10), read back through @alicloud/fc2 and @alicloud/mns.

const ECHO = fixtureFunction('echo');
const FAILING = fixtureFunction('scripted', {
  functionName: 'failing',
  asyncInvoke: {
    maxRetryAttempts: 0,
    onFailure: parseMnsArn(`acs:mns:cn-hangzhou:${ACCOUNT_ID}:/queues/${DLQ}/messages`),
  },
});

let s: FcSandbox | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** fc2 throws on a non-2xx answer; this gives FC's ErrorCode then (the status is in the call log). */
async function post(sandbox: FcSandbox, name: string, body: Buffer, type: 'Sync' | 'Async') {
  try {
    await invoke3(sandbox.client, name, body, { 'x-fc-invocation-type': type });
    return { ok: true };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code, message: e.message };
  }
}

describe('payload limits', () => {
  it('takes an async payload of 128 KB and refuses one byte more with 400 EntityTooLarge', async () => {
    s = await startFcSandbox([ECHO]);
    const fits = Buffer.alloc(ASYNC_PAYLOAD_LIMIT_BYTES, 0x61);
    expect(await post(s, 'echo', fits, 'Async')).toEqual({ ok: true });
    const tooBig = Buffer.alloc(ASYNC_PAYLOAD_LIMIT_BYTES + 1, 0x61);
    expect(await post(s, 'echo', tooBig, 'Async')).toMatchObject({
      code: 'EntityTooLarge',
      message: expect.stringContaining(
        `payload size exceeds maximum allowed size (${ASYNC_PAYLOAD_LIMIT_BYTES} bytes)`,
      ),
    });
    // The same payload synchronously is well within 32 MB.
    expect(await post(s, 'echo', tooBig, 'Sync')).toEqual({ ok: true });
    expect(s.calls.records.filter((c) => c.service === 'fc').map((c) => [c.status, c.code])).toEqual([
      [202, undefined],
      [400, 'EntityTooLarge'],
      [200, undefined],
    ]);
  });
});

describe('the forms of the onFailure record', () => {
  const failOnce = async (sandbox: FcSandbox) => {
    await sandbox.fc.invoke('failing', Buffer.from('{"throw":"boom","id":"e-1"}'), { async: true });
    await sandbox.fc.settled(5000);
    const [body] = await receiveAll(sandbox.mnsClient, DLQ);
    return JSON.parse(body ?? '{}') as { timestamp: unknown; requestContext: { functionArn: string } };
  };

  it('FC 3.0’s sample form by default: epoch-ms timestamp, acs:fc:<region>:<account>:functions/<name>', async () => {
    s = await startFcSandbox([FAILING]);
    const record = await failOnce(s);
    expect(typeof record.timestamp).toBe('number');
    expect(record.requestContext.functionArn).toBe(`acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/failing`);
  });

  it('an ISO timestamp and the FC 2.0 ARN when asked; the function’s reader takes both', async () => {
    s = await startFcSandbox([FAILING], { destinationRecordForm: { timestamp: 'iso', functionArn: 'fc2' } });
    const record = await failOnce(s);
    expect(record.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(record.requestContext.functionArn).toBe('acs:fc:::services/default.LATEST/functions/failing');
    expect(readDeadLetterMessage(JSON.stringify(record))).toMatchObject({
      kind: 'fc-failure',
      record: {
        at: record.timestamp,
        function: { functionName: 'failing' },
        condition: 'UnhandledInvocationError',
      },
    });
  });
});
