/**
 * One page of members through the official `@alicloud/resourcemanager20200331` client: `ListAccounts`, or
 * `ListAccountsForParent` for one folder (cloud-facts AC-8, AC-10). Loaded on first use only.
 */
import { $OpenApiUtil } from '@alicloud/openapi-core';
import ResourceManager, {
  ListAccountsForParentRequest,
  ListAccountsRequest,
} from '@alicloud/resourcemanager20200331';
import type { SdkEndpoint } from '../config/config.js';
import { type ListPage, type MemberAccount, RD_PAGE_SIZE } from './resource-directory.js';

// Node's ESM loader hands a CommonJS module's `exports` to a default import (sdk-wire §8).
const RmClient = ((ResourceManager as unknown as { default?: unknown }).default ??
  ResourceManager) as typeof ResourceManager.default;

export function sdkListPage(options: {
  regionId: string;
  endpoint?: SdkEndpoint;
  folderId?: string;
}): ListPage {
  return async (caller, pageNumber) => {
    const client = new RmClient(
      new $OpenApiUtil.Config({
        credential: caller,
        regionId: options.regionId,
        ...(options.endpoint === undefined
          ? {}
          : { endpoint: options.endpoint.host, protocol: options.endpoint.protocol }),
      }),
    );
    const body =
      options.folderId === undefined
        ? (await client.listAccounts(new ListAccountsRequest({ pageNumber, pageSize: RD_PAGE_SIZE }))).body
        : (
            await client.listAccountsForParent(
              new ListAccountsForParentRequest({
                parentFolderId: options.folderId,
                pageNumber,
                pageSize: RD_PAGE_SIZE,
              }),
            )
          ).body;
    const accounts = (body?.accounts?.account ?? []).map(
      (a): MemberAccount => ({
        accountId: a.accountId ?? '',
        ...(a.displayName === undefined ? {} : { displayName: a.displayName }),
        ...(a.status === undefined ? {} : { status: a.status }),
      }),
    );
    return { accounts, totalCount: body?.totalCount };
  };
}
