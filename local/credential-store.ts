import { randomBytes } from 'node:crypto';

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS keys: requests signed with this key must carry exactly this token. */
  securityToken?: string;
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

  /** A fresh long-term AccessKey pair (`LTAI…`). */
  issueAccessKey(): AccessKey {
    return this.add({ accessKeyId: `LTAI5t${token(18)}`, accessKeySecret: token(30) });
  }

  /** Fresh STS credentials (`STS.…` id, secret, token), like those FC hands a function in `context.credentials`. */
  issueSts(): Required<AccessKey> {
    const key = {
      accessKeyId: `STS.${token(24)}`,
      accessKeySecret: token(44),
      securityToken: `CAIS${token(60)}`,
    };
    this.add(key);
    return key;
  }
}

function token(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}
