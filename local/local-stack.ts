import { randomUUID } from 'node:crypto';
import MNSClient from '@alicloud/mns/lib/client.js';
import { ATTACH_ROLE_VARIABLES } from '../shared/config/config.js';
import { type DeadLetterMessage, readDeadLetterMessage } from '../shared/dead-letter/dead-letter-message.js';
import type { DeadLetterRecord } from '../shared/dead-letter/dead-letter-record.js';
import type { FcContext } from '../shared/fc/fc-context.js';
import { CallLog } from './call-log.js';
import { CredentialStore, type StsKey } from './credential-store.js';
import { type EcsEmulator, startEcsEmulator } from './ecs-emulator/index.js';
import { startMemberServices } from './member-services.js';
import { type MnsEmulator, startMnsEmulator } from './mns-emulator/index.js';
import type { RdEmulator } from './rd-emulator/index.js';
import type { Seed } from './seed.js';
import type { StsEmulator } from './sts-emulator/index.js';

export interface LocalStackOptions {
  seed: Seed;
  /** The function's own region (events without one use it). */
  region?: string;
  deadLetterQueue?: string;
  /** Added to every ECS answer, in ms. */
  ecsLatencyMs?: number;
  /**
   * Member accounts, each with its own instances and roles in the ECS emulator (and so its own RAM); with any,
   * the stack also runs STS (AssumeRole into their roles) and a Resource Directory listing them.
   */
  members?: readonly Seed[];
}

/** The function role's name in the sandbox; member roles trust `acs:ram::<central>:role/<this>`. */
export const FUNCTION_ROLE_NAME = 'ram-role-attacher';

/**
 * The ECS and MNS emulators of one sandbox, sharing one set of AccessKeys and one call log, plus the STS keys
 * FC would hand the function. Everything `npm run invoke`, the integration tests and the benchmarks need to run
 * the real handler against the emulators through the official SDKs.
 */
export interface LocalStack {
  readonly ecs: EcsEmulator;
  readonly mns: MnsEmulator;
  /** With `members` only. */
  readonly sts?: StsEmulator;
  readonly rd?: RdEmulator;
  readonly credentials: CredentialStore;
  readonly calls: CallLog;
  readonly accountId: string;
  readonly region: string;
  readonly deadLetterQueue: string;
  /** STS keys of the function's role (`context.credentials`). */
  readonly functionKeys: StsKey;
  /**
   * Environment variables for the attach-role function, pointed at the emulators: the function's own variables
   * from `inherited` (`passedThrough`), then the stack's wiring, then `overrides`.
   */
  env(overrides?: Record<string, string>, inherited?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** An FC invocation context: request id, STS credentials, region, account, `function.timeout` (seconds). */
  context(overrides?: { timeoutSeconds?: number; requestId?: string }): FcContext;
  /** The function's dead-letter records now in the queue, decoded, without consuming them. */
  deadLetters(): DeadLetterRecord[];
  /** Every message now in the dead-letter queue (the function's records and FC onFailure records), decoded. */
  deadLetterMessages(): DeadLetterMessage[];
  /** An `@alicloud/mns` client for the emulator, with the function's keys. */
  mnsClient(): MNSClient;
  close(): Promise<void>;
}

/** What the stack sets itself, pointing the function at the emulators: a caller's value would point it away. */
export const WIRED_VARIABLES = [
  'DEAD_LETTER_TOPIC',
  'DEAD_LETTER_QUEUE',
  'ECS_ENDPOINT',
  'MNS_ENDPOINT',
  'FC_REGION',
  'FC_ACCOUNT_ID',
  'FC_FUNC_CODE_PATH',
  'STS_ENDPOINT',
  'RESOURCE_DIRECTORY_ENDPOINT',
] as const;

/**
 * The attach-role function's own variables set in `env` (the README's configuration table, e.g. MAX_ATTEMPTS
 * or LOG_LEVEL), as FC would pass them; `ignored` names those the stack sets itself.
 */
export function passedThrough(env: NodeJS.ProcessEnv): {
  variables: Record<string, string>;
  ignored: string[];
} {
  const wired: readonly string[] = WIRED_VARIABLES;
  const variables: Record<string, string> = {};
  const ignored: string[] = [];
  for (const name of ATTACH_ROLE_VARIABLES) {
    const value = env[name];
    if (value === undefined) continue;
    if (wired.includes(name)) ignored.push(name);
    else variables[name] = value;
  }
  return { variables, ignored };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const region = options.region ?? 'cn-hangzhou';
  const deadLetterQueue = options.deadLetterQueue ?? 'ram-role-attacher-dlq';
  const credentials = new CredentialStore();
  const calls = new CallLog();
  const accountId = options.seed.accountId;
  const functionKeys = credentials.issueSts({
    accountId,
    principalArn: `acs:ram::${accountId}:role/${FUNCTION_ROLE_NAME}`,
  });
  const members = options.members ?? [];
  const ecs = await startEcsEmulator({
    seed: options.seed,
    credentials,
    calls,
    ...(options.ecsLatencyMs === undefined ? {} : { latencyMs: options.ecsLatencyMs }),
    ...(members.length === 0 ? {} : { members: members.map((seed) => ({ seed })) }),
  });
  const mns = await startMnsEmulator({ credentials, accountId, calls, queues: [deadLetterQueue] });
  const { sts, rd } = await startMemberServices({ credentials, calls, accountId, members, ecs });

  const deadLetterMessages = () =>
    mns
      .queue(deadLetterQueue)
      .peekAll()
      .map((m) => readDeadLetterMessage(m.body));

  return {
    ecs,
    mns,
    ...(sts === undefined ? {} : { sts }),
    ...(rd === undefined ? {} : { rd }),
    credentials,
    calls,
    accountId,
    region,
    deadLetterQueue,
    functionKeys,
    env: (overrides = {}, inherited = {}) => ({
      ...passedThrough(inherited).variables,
      DEAD_LETTER_QUEUE: deadLetterQueue,
      ECS_ENDPOINT: ecs.url,
      MNS_ENDPOINT: mns.url,
      FC_REGION: region,
      FC_ACCOUNT_ID: accountId,
      ...(sts === undefined ? {} : { STS_ENDPOINT: sts.url }),
      ...(rd === undefined ? {} : { RESOURCE_DIRECTORY_ENDPOINT: rd.url }),
      ...overrides,
    }),
    context: ({ timeoutSeconds = 60, requestId = randomUUID() } = {}) => ({
      requestId,
      credentials: { ...functionKeys },
      function: { name: 'attach-role', handler: 'index.handler', memory: 512, timeout: timeoutSeconds },
      region,
      accountId,
    }),
    deadLetterMessages,
    deadLetters: () => deadLetterMessages().flatMap((m) => (m.kind === 'record' ? [m.record] : [])),
    mnsClient: () => new MNSClient(accountId, { ...functionKeys, endpoint: mns.url }),
    close: async () => {
      await Promise.all([ecs.close(), mns.close(), sts?.close(), rd?.close()]);
    },
  };
}
