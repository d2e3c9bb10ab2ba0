/**
 * Which accounts the function may act in: those the policy lists, or those the Resource Directory lists (read on
 * first use and again after `ttlMs`, by an injected clock). An account not here is refused (outcome `skipped`,
 * reason `account`), so a forged event cannot make the function act in an account nobody configured.
 */
import type { CredentialProvider } from '../credentials/credentials.js';
import type { Policy } from '../policy/policy.js';
import { type ListPage, listMembers } from './resource-directory.js';

export interface AccountDirectory {
  /** Throws when the directory cannot be read (the error's code goes into the dead-letter records). */
  has(accountId: string, caller: CredentialProvider): Promise<boolean>;
  /** Every configured account, in a stable order (the sweep walks them in it); throws as `has` does. */
  list(caller: CredentialProvider): Promise<string[]>;
}

export function policyDirectory(policy: Policy): AccountDirectory {
  const ids = new Set((policy.accounts ?? []).map((a) => a.id));
  return { has: async (accountId) => ids.has(accountId), list: async () => [...ids] };
}

/** The Resource Directory's members, re-read every 10 minutes by default. */
export function resourceDirectory(options: {
  listPage: ListPage;
  now: () => number;
  ttlMs?: number;
}): AccountDirectory {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  let known: { ids: ReadonlySet<string>; at: number } | undefined;
  let pending: Promise<ReadonlySet<string>> | undefined;
  const read = (caller: CredentialProvider): Promise<ReadonlySet<string>> => {
    if (known !== undefined && options.now() - known.at < ttlMs) return Promise.resolve(known.ids);
    pending ??= listMembers(caller, options.listPage)
      .then((members) => {
        const ids = new Set(members.map((m) => m.accountId));
        known = { ids, at: options.now() };
        return ids;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return {
    has: async (accountId, caller) => (await read(caller)).has(accountId),
    list: async (caller) => [...(await read(caller))],
  };
}
