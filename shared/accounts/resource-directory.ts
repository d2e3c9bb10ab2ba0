/**
 * The member accounts a Resource Directory lists, page by page (`resource-directory-sdk.ts` reads a page through
 * the official client; cloud-facts AC-8, AC-10), 100 a page until `TotalCount` rows are read. Bounded: an empty page or the page cap ends it, whatever TotalCount says.
 */
import type { CredentialProvider } from '../credentials/credentials.js';
import { isAccountId } from '../ecs/ids.js';

export const RD_PAGE_SIZE = 100;
/** 1,000 pages of 100: far beyond any directory, and a stop for a service that never says it is done. */
const MAX_PAGES = 1_000;

/** Statuses of members that are not (or no longer) working accounts (AC-9); unknown ones are kept. */
const NOT_MEMBERS = /^(?:Removing|.*(?:Failed|Expired|Cancelled))$/;

export interface MemberAccount {
  accountId: string;
  displayName?: string;
  status?: string;
}

export interface RdPage {
  accounts: MemberAccount[];
  totalCount: number | undefined;
}

export type ListPage = (caller: CredentialProvider, pageNumber: number) => Promise<RdPage>;

/** Every working member, in the order the directory gives them, each once. */
export async function listMembers(caller: CredentialProvider, listPage: ListPage): Promise<MemberAccount[]> {
  const found = new Map<string, MemberAccount>();
  let rows = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { accounts, totalCount } = await listPage(caller, page);
    rows += accounts.length;
    for (const account of accounts) {
      if (!isAccountId(account.accountId)) continue;
      if (account.status !== undefined && NOT_MEMBERS.test(account.status)) continue;
      if (!found.has(account.accountId)) found.set(account.accountId, account);
    }
    if (accounts.length === 0 || (totalCount !== undefined && rows >= totalCount)) break;
  }
  return [...found.values()];
}
