import { createHash } from 'node:crypto';

/**
 * ActionTrail's `userIdentity` for a caller, derived from its AccessKeyId alone (the credential store knows no
 * user or role names). Shapes follow Alibaba's documented ActionTrail samples: STS keys are `assumed-role` with a
 * `<roleId>:<session>` principal, long-term keys a `ram-user`. The ids and names are invented but stable per key.
 */
export function userIdentity(accessKeyId: string, accountId: string): Record<string, string> {
  const digits = numericId(accessKeyId);
  if (accessKeyId.startsWith('STS.')) {
    return {
      type: 'assumed-role',
      accountId,
      principalId: `${digits}:session`,
      accessKeyId,
      userName: `role-${digits.slice(-6)}:session`,
    };
  }
  return {
    type: 'ram-user',
    accountId,
    principalId: digits,
    accessKeyId,
    userName: `user-${digits.slice(-6)}`,
  };
}

/** 18 digits derived from the key, starting with 2 like RAM principal ids in Alibaba's samples. */
function numericId(accessKeyId: string): string {
  const hash = createHash('sha256').update(accessKeyId).digest();
  return `2${(hash.readBigUInt64BE(0) % 10n ** 17n).toString().padStart(17, '0')}`;
}
