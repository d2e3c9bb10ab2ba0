import { randomBytes } from 'node:crypto';

/** STS credentials as a client holds them: id, secret and token. */
export type StsKey = Required<Pick<AccessKey, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>> &
  AccessKey;

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS keys: requests signed with this key must carry exactly this token. */
  securityToken?: string;
  /** The account the key belongs to; the emulators' own (primary) account when absent. */
  accountId?: string;
  /** Who signs with the key: a RAM user's or an assumed role's ARN; absent for an account's own (root) key. */
  principalArn?: string;
  /** STS keys from AssumeRole: refused after this (ms since epoch). */
  expiresAt?: number;
}

/**
 * The AccessKeys the emulators accept. One store is shared by every emulator of a sandbox, as one Alibaba Cloud
 * account's keys work against every service.
 */
export class CredentialStore {
  readonly #keys = new Map<string, AccessKey>();

  constructor(keys: readonly AccessKey[] = []) {
    for (const key of keys) this.add(key);
  }

  add(key: AccessKey): AccessKey {
    this.#keys.set(key.accessKeyId, key);
    return key;
  }

  get(accessKeyId: string): AccessKey | undefined {
    return this.#keys.get(accessKeyId);
  }

  /** A fresh long-term AccessKey pair (`LTAI…`), of an account (default: the primary) and a principal. */
  issueAccessKey(owner: { accountId?: string; principalArn?: string } = {}): AccessKey {
    return this.add({ accessKeyId: `LTAI5t${token(18)}`, accessKeySecret: token(30), ...owner });
  }

  /**
   * Fresh STS credentials (`STS.…` id, secret, token), like those FC hands a function in `context.credentials`
   * (its role is `principalArn`) or STS's AssumeRole answers (with `expiresAt`).
   */
  issueSts(owner: { accountId?: string; principalArn?: string; expiresAt?: number } = {}): StsKey {
    const key = {
      accessKeyId: `STS.${token(24)}`,
      accessKeySecret: token(44),
      securityToken: `CAIS${token(60)}`,
      ...owner,
    };
    this.add(key);
    return key;
  }

  /** The account a key belongs to (`primary` when the key names none), or undefined for an unknown key. */
  accountOf(accessKeyId: string, primary: string): string | undefined {
    const key = this.#keys.get(accessKeyId);
    return key === undefined ? undefined : (key.accountId ?? primary);
  }
}

function token(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}
