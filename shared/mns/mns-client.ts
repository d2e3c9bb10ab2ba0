import MNSClient from '@alicloud/mns/lib/client.js';
import type { ResolvedCredentials } from '../credentials/credentials.js';

/** The public MNS endpoint of an account in a region (what the SDK would be given on Alibaba Cloud). */
export function defaultMnsEndpoint(accountId: string, regionId: string): string {
  return `https://${accountId}.mns.${regionId}.aliyuncs.com`;
}

export interface MnsClientOptions {
  keys: ResolvedCredentials;
  accountId: string;
  regionId: string;
  /** Overrides the public endpoint (the emulators, a VPC endpoint). */
  endpoint?: string | undefined;
  /** Read and connect timeout; the SDK's defaults (40 s / 30 s) when unset. */
  timeoutMs?: number;
}

/** One `@alicloud/mns` client, the same way everywhere it is built. */
export function createMnsClient(options: MnsClientOptions): MNSClient {
  return new MNSClient(options.accountId, {
    ...options.keys,
    endpoint: options.endpoint ?? defaultMnsEndpoint(options.accountId, options.regionId),
    // httpx applies the connect timeout as the socket's idle timer too, so both are set alike.
    ...(options.timeoutMs === undefined
      ? {}
      : { readTimeout: options.timeoutMs, connectTimeout: options.timeoutMs }),
  });
}
