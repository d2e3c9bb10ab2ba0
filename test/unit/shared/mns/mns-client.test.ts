import { describe, expect, it } from 'vitest';
import { createMnsClient, defaultMnsEndpoint } from '../../../../shared/mns/mns-client.js';

const keys = { accessKeyId: 'LTAI5tTestKeyId', accessKeySecret: 'test-secret' };

describe('createMnsClient', () => {
  it("targets the account's regional endpoint unless given another", () => {
    expect(defaultMnsEndpoint('1234567890', 'cn-shanghai')).toBe(
      'https://1234567890.mns.cn-shanghai.aliyuncs.com',
    );
    const client = createMnsClient({ keys, accountId: '1234567890', regionId: 'cn-shanghai' }) as unknown as {
      endpoint: string;
    };
    expect(client.endpoint).toBe('https://1234567890.mns.cn-shanghai.aliyuncs.com');
    const local = createMnsClient({
      keys,
      accountId: '1234567890',
      regionId: 'cn-shanghai',
      endpoint: 'http://127.0.0.1:9000',
    }) as unknown as { endpoint: string };
    expect(local.endpoint).toBe('http://127.0.0.1:9000');
  });

  it('sets the read and the connect timeout alike, since httpx idles sockets out on the connect timeout', () => {
    const client = createMnsClient({
      keys,
      accountId: '1',
      regionId: 'cn-hangzhou',
      timeoutMs: 35_000,
    }) as unknown as {
      readTimeout: number;
      connectTimeout: number;
    };
    expect([client.readTimeout, client.connectTimeout]).toEqual([35_000, 35_000]);
  });
});
