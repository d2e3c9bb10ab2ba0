import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type AccountDirectory, policyDirectory, resourceDirectory } from '../accounts/account-directory.js';
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { type CredentialProvider, resolveCredentials } from '../credentials/credentials.js';
import { MemberCredentials } from '../credentials/member-credentials.js';
import type { DeadLetterSink } from '../dead-letter/dead-letter-sink.js';
import { EcsCoalescer } from '../ecs/ecs-coalescer.js';
import { RateLimitedEcsGateway } from '../ecs/rate-limited-gateway.js';
import { RateLimiter } from '../ecs/rate-limiter.js';
import { SdkEcsGateway } from '../ecs/sdk-ecs-gateway.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { readParsedPolicy, type ValidatedPolicy } from '../policy/parsed-policy.js';
import type { Policy } from '../policy/policy.js';
import { SWEEP_LEASE } from '../sweep/sweep-lease.js';
import { fileProblem } from '../text/file-problem.js';
import { createAttachRoleHandler } from './attach-role-handler.js';

/** The steps of a cold start, in order, as `onPhase` reports their ends. */
export type ColdStartPhase = 'config' | 'policy' | 'ready';

export interface ColdStartOptions {
  /** Log sink; stdout by default. */
  logDestination?: { write(line: string): void };
  /** Called as each phase ends (the bench splits cold start with it; nothing else needs it). */
  onPhase?: (phase: ColdStartPhase) => void;
  /**
   * The invocation's clock, its waits between retries and its jitter, for ECS and the dead-letter sink alike:
   * a test's fake clock, so that no test depends on how fast the machine is. Real time by default.
   */
  clock?: InvocationClock;
}

export interface InvocationClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The policy file's text. A file that is not there is a configuration mistake, said in the terms of the
 * variables that chose the path (not a bare ENOENT).
 */
export function readPolicyText(policyPath: string, config: Pick<Config, 'policyFile' | 'codePath'>): string {
  try {
    return readFileSync(policyPath, 'utf8');
  } catch (error) {
    const chosen = `POLICY_FILE ${JSON.stringify(config.policyFile)}`;
    const how = isAbsolute(config.policyFile)
      ? `${chosen}, an absolute path`
      : config.codePath === undefined
        ? `${chosen} resolved against the working directory ${process.cwd()}, as FC_FUNC_CODE_PATH is unset`
        : `${chosen} resolved against FC_FUNC_CODE_PATH ${config.codePath}`;
    throw new ConfigError(
      [`POLICY_FILE: cannot read the policy ${policyPath}: ${fileProblem(error)} (${how})`],
      error,
    );
  }
}

/**
 * The policy at `policyPath`: the one the build validated when the text is still the one it validated
 * (`parsed-policy.ts`), otherwise the YAML parsed and validated, with the parser and validator loaded only then.
 */
async function readPolicy(policyPath: string, text: string, logger: Logger): Promise<ValidatedPolicy> {
  const stored = readParsedPolicy(policyPath, text);
  if (stored.found) return stored;
  if (stored.why !== undefined) logger.info({ policy: policyPath }, `${stored.why}: validating the YAML`);
  const { loadPolicy } = await import('../policy/load-policy.js');
  return loadPolicy(text, policyPath);
}

/**
 * The accounts the function serves and their credentials (ACCOUNTS), checked against the policy now: listing
 * accounts in the policy is what ACCOUNTS=policy means, so a policy without `accounts:` is a mistake at start.
 */
function accountsFor(
  config: Config,
  policy: Policy,
  functionName: string,
  now: () => number,
): { directory: AccountDirectory; members: MemberCredentials } | undefined {
  const { accounts } = config;
  if (accounts.source === 'single') return undefined;
  if (accounts.source === 'policy' && policy.accounts === undefined) {
    throw new ConfigError([
      'ACCOUNTS: "policy" takes the member accounts from the policy\'s accounts: section, and the policy has none (add accounts: [{id: "…"}] or use ACCOUNTS=resource-directory)',
    ]);
  }
  const regionId = config.region ?? 'cn-hangzhou';
  const directory =
    accounts.source === 'policy'
      ? policyDirectory(policy)
      : resourceDirectory({
          // The SDK loads on first use (a chunk of its own): a single-account function never pays for it.
          listPage: async (caller, page) =>
            (await import('../accounts/resource-directory-sdk.js')).sdkListPage({
              regionId,
              ...(config.resourceDirectoryEndpoint === undefined
                ? {}
                : { endpoint: config.resourceDirectoryEndpoint }),
              ...(accounts.folderId === undefined ? {} : { folderId: accounts.folderId }),
            })(caller, page),
          now,
        });
  const members = new MemberCredentials({
    assumeRole: async (caller, input) =>
      (await import('../credentials/sts-client.js')).sdkAssumeRole({
        regionId,
        ...(config.stsEndpoint === undefined ? {} : { endpoint: config.stsEndpoint }),
      })(caller, input),
    roleName: accounts.memberRoleName,
    functionName,
    now,
  });
  return { directory, members };
}

/**
 * Everything the attach-role function does once per instance (cold start): read and validate the environment
 * and the policy — failing loudly, naming what is wrong — then wire the official SDK clients.
 */
export async function coldStart(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}) {
  const config = loadConfig(env);
  const logger: Logger = createLogger({
    level: config.logLevel,
    base: { fn: env.FC_FUNCTION_NAME ?? 'attach-role' },
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  options.onPhase?.('config');
  const policyPath = resolve(config.codePath ?? process.cwd(), config.policyFile);
  const { policy, warnings } = await readPolicy(policyPath, readPolicyText(policyPath, config), logger);
  for (const warning of warnings) logger.warn({ policy: policyPath }, warning);
  options.onPhase?.('policy');

  const { clock } = options;
  const accounts = accountsFor(config, policy, env.FC_FUNCTION_NAME ?? 'attach-role', clock?.now ?? Date.now);
  const timing = {
    ...(clock === undefined ? {} : { now: clock.now, sleep: clock.sleep }),
    ...(clock?.random === undefined ? {} : { random: clock.random }),
  };
  // One per FC instance: the invocations FC runs at once on it (instanceConcurrency) share their ECS calls.
  // Real timers even under a test's fake clock: its waits for a window or a member's deadline stand for I/O
  // that runs alongside, which a clock that jumps to the next wait cannot model.
  const coalescer = new EcsCoalescer({ windowMs: config.coalesceWindowMs });
  // One per FC instance too: every invocation's calls take slots of the same per-action budget (spaced from the
  // first call: waiting for the first Throttling cost twice the refused calls in the burst bench), which halves
  // on Throttling and wins back a tenth of itself a second, so a storm costs waiting rather than refused calls.
  const limiter = new RateLimiter({
    ratePerSecond: config.ecsCallsPerSecond,
    burst: config.ecsCallsBurst,
    now: clock?.now ?? Date.now,
    sleep: clock?.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms))),
  });
  const sdk = (credential: CredentialProvider) =>
    new SdkEcsGateway({
      credential,
      ...(config.ecsEndpoint === undefined ? {} : { endpoint: config.ecsEndpoint }),
      connectTimeoutMs: config.ecs.connectTimeoutMs,
      readTimeoutMs: config.ecs.readTimeoutMs,
    });
  const handler = createAttachRoleHandler({
    config,
    policy,
    logger,
    ...(accounts === undefined ? {} : { accounts }),
    ...timing,
    // Scoped by account: calls are shared, and rate budgets kept, only among invocations acting in the same
    // account with its credentials (ECS limits each account on its own; a shared call is made with one member's
    // keys, which must be that account's).
    ecs: (credential, accountId) =>
      coalescer.view(new RateLimitedEcsGateway(sdk(credential), limiter, undefined, accountId), accountId),
    // The MNS client and the sinks load on the first failure to write (a chunk of their own in the bundle):
    // an invocation that fails nothing never pays for them.
    deadLetters: (credential, accountId, regionId): DeadLetterSink => {
      const client = async (timeoutMs: number) => {
        const { createMnsClient } = await import('../mns/mns-client.js');
        return createMnsClient({
          keys: await resolveCredentials(credential),
          accountId,
          regionId,
          endpoint: config.mnsEndpoint,
          timeoutMs,
        });
      };
      const retry = {
        maxAttempts: config.retry.maxAttempts,
        backoff: { baseMs: config.retry.baseMs, capMs: config.retry.capMs },
        ...(timing.sleep === undefined ? {} : { sleep: timing.sleep }),
        ...(timing.random === undefined ? {} : { random: timing.random }),
      };
      const { kind, name } = config.deadLetters;
      const load = async (): Promise<DeadLetterSink> =>
        kind === 'topic'
          ? new (await import('../dead-letter/dead-letter-topic.js')).MnsDeadLetterTopic({
              topicName: name,
              client,
              ...retry,
            })
          : new (await import('../dead-letter/dead-letter-queue.js')).MnsDeadLetterQueue({
              queueName: name,
              client,
              ...retry,
            });
      return { send: async (records, deadline) => (await load()).send(records, deadline) };
    },
    sweep: {
      // Bare: the sweep pages on its own budget (SWEEP_CALLS_PER_SECOND), its calls not shared with events'.
      ecs: (credential) => sdk(credential),
      // Loaded on the first sweep: an event invocation never pays for the MNS client or the FC SDK.
      lease: (credential, accountId, regionId) => {
        const queue = config.sweep.leaseQueue;
        if (queue === undefined) return undefined;
        const mns = async () =>
          (await import('../mns/mns-client.js')).createMnsClient({
            keys: await resolveCredentials(credential),
            accountId,
            regionId,
            endpoint: config.mnsEndpoint,
            timeoutMs: 10_000,
          });
        return {
          acquire: async (holdSeconds) =>
            (await import('../mns/queue-lease.js')).acquireLease(await mns(), queue, {
              ...SWEEP_LEASE,
              holdSeconds,
              waitSeconds: 0,
              replaceOnTimeout: false,
              log: logger,
              now: Date.now,
            }),
          adopt: async (handle, holdSeconds) =>
            (await import('../mns/queue-lease.js')).adoptLease(await mns(), queue, handle, {
              ...SWEEP_LEASE,
              holdSeconds,
              log: logger,
              now: Date.now,
            }),
        };
      },
      invoker: (credential, accountId, regionId) => ({
        invoke: async (name, payload, options) =>
          (await import('../fc/fc-invoker.js'))
            .createFcInvoker({
              credential,
              accountId,
              region: regionId,
              timeoutMs: 10_000,
              ...(config.sweep.functionEndpoint === undefined
                ? {}
                : { endpoint: config.sweep.functionEndpoint }),
            })
            .invoke(name, payload, options),
      }),
    },
  });
  options.onPhase?.('ready');
  return handler;
}
