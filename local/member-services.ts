/**
 * The services that exist only with member accounts: STS (AssumeRole checks each member role's trust policy in
 * that account's RAM, held by the ECS emulator) and a Resource Directory whose management account is the
 * primary one and that lists every account. One builder for the local stack and the sandbox.
 */
import type { CallLog } from './call-log.js';
import type { CredentialStore } from './credential-store.js';
import type { EcsEmulator } from './ecs-emulator/index.js';
import { type RdEmulator, startRdEmulator } from './rd-emulator/index.js';
import type { Seed } from './seed.js';
import { type StsEmulator, startStsEmulator } from './sts-emulator/index.js';

export interface MemberServices {
  sts?: StsEmulator;
  rd?: RdEmulator;
}

export async function startMemberServices(options: {
  credentials: CredentialStore;
  calls: CallLog;
  accountId: string;
  members: readonly Seed[];
  ecs: Pick<EcsEmulator, 'accounts'>;
}): Promise<MemberServices> {
  const { credentials, calls, accountId, members, ecs } = options;
  if (members.length === 0) return {};
  const sts = await startStsEmulator({
    credentials,
    calls,
    primaryAccountId: accountId,
    ramFor: (account) => ecs.accounts.get(account)?.ram,
  });
  const rd = await startRdEmulator({
    credentials,
    calls,
    primaryAccountId: accountId,
    managementAccountId: accountId,
    members: [{ accountId }, ...members.map((m) => ({ accountId: m.accountId }))],
  });
  return { sts, rd };
}
