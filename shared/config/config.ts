import * as z from 'zod/mini';
import { ACCOUNT_ID, REGION_ID, ROLE_NAME } from '../ecs/ids.js';
import {
  ConfigError,
  matching,
  oneOf,
  orderProblem,
  positiveNumber,
  readEnv,
  wholeNumber,
} from './env-vars.js';

export { ConfigError } from './env-vars.js';

const ms = (fallback: number, min: number, max: number) => z._default(wholeNumber(min, max), fallback);

/** MNS queue and topic names: letters, digits and `-`, starting with a letter or digit, ≤ 120 characters. */
export const MNS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,119}$/;

/** `host[:port]`, optionally after `http://` or `https://`; group 1 is the scheme, group 2 the host. */
const ECS_ENDPOINT = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/;

/** Resource Directory folder ids (`fd-…`) and the root folder (`r-…`), as ListAccountsForParent takes them. */
export const FOLDER_ID = /^(?:fd|r)-[A-Za-z0-9]{1,64}$/;

/** The role the function assumes in each member account (MEMBER_ROLE_NAME), also the member template's default. */
export const DEFAULT_MEMBER_ROLE_NAME = 'ram-role-attacher-member';

// Variables both functions read, validated the same way in each.
export const mnsName = (what: 'queue' | 'topic') =>
  matching(MNS_NAME, `an MNS ${what} name (letters, digits, "-", at most 120)`);
/** An MNS endpoint: `http(s)://host[:port]`, no path. */
export const MNS_ENDPOINT = /^https?:\/\/[^\s/]+\/?$/;
export const mnsEndpoint = matching(MNS_ENDPOINT, 'an http(s):// URL with no path');
export const logLevel = z._default(
  oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  'info',
);
/** Set by FC itself; used when the invocation context lacks them (local runs). */
export const fcRegion = matching(REGION_ID, 'a region id such as cn-hangzhou');
export const fcAccountId = matching(ACCOUNT_ID, 'an account id (digits)');

/**
 * An FC timer's `cronExpression`: `@every <n>m|h` (FC's interval form) or six cron fields, seconds first
 * (`0 0 * * * *`: at the top of every hour). Cloud-facts SW-6.
 */
const SCHEDULE = /^(?:@every (?:\d+h)?(?:\d+m)?|(?:\S+\s+){5}\S+)$/;
const SCHEDULE_ALLOWED = 'an FC timer expression: "@every 60m" or six cron fields such as "0 0 * * * *"';
const schedule = z.string({ error: SCHEDULE_ALLOWED }).check(
  z.regex(SCHEDULE, SCHEDULE_ALLOWED),
  z.refine((v) => v !== '@every ', SCHEDULE_ALLOWED),
);

/** The ECS per-action limit is not published for these four actions; a third of an inferred 15/s (SW-4). */
export const DEFAULT_SWEEP_CALLS_PER_SECOND = 5;
/**
 * The inferred per-action limit (SW-4): one FC instance's calls are spaced at it, halve on throttling and win it
 * back. Measured in the burst bench against unhindered-until-throttled: 3.4 % throttled calls against 6.5 %.
 */
export const DEFAULT_ECS_CALLS_PER_SECOND = 15;
/**
 * Calls an idle action may make at once (the limiter's burst, GCRA), well inside ECS's per-minute quotas (SW-4).
 * At 1 the buffered burst took 1.41× its bound, its batches of 500 events spacing their ~11 role reads while the
 * budget was unused; at 10, 1.14×. The direct shape's throttling did not change with it (a new key starts spaced).
 */
export const DEFAULT_ECS_CALLS_BURST = 10;

/** `cn-hangzhou,cn-shanghai`: each a region id, no duplicates; empty (s.yaml's default) is unset. */
const REGION_LIST_ALLOWED = 'region ids such as cn-hangzhou, comma-separated';
const regionList = z
  .pipe(
    z.string({ error: REGION_LIST_ALLOWED }),
    z.transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== ''),
    ),
  )
  .check(
    z.refine(
      (list) => list.every((r) => REGION_ID.test(r)),
      'region ids such as cn-hangzhou, comma-separated',
    ),
    z.refine((list) => new Set(list).size === list.length, 'a region appears twice'),
  );

/**
 * Environment variables of the attach-role function. The README keeps the same table; keep both in step.
 * Names may not start with `FC_` (reserved by FC).
 */
const envSchema = z.object({
  DEAD_LETTER_TOPIC: z.optional(mnsName('topic')),
  DEAD_LETTER_QUEUE: z.optional(mnsName('queue')),
  POLICY_FILE: z._default(z.string(), 'policy.yaml'),
  ECS_ENDPOINT: z.optional(matching(ECS_ENDPOINT, 'host[:port] or http(s)://host[:port]')),
  MNS_ENDPOINT: z.optional(mnsEndpoint),
  ECS_CONNECT_TIMEOUT_MS: ms(2_000, 100, 60_000),
  ECS_READ_TIMEOUT_MS: ms(10_000, 100, 120_000),
  ECS_CONCURRENCY: z._default(wholeNumber(1, 32), 4),
  COALESCE_WINDOW_MS: ms(150, 0, 5_000),
  /**
   * The event path's client-side rate per ECS action and region on one FC instance: where it starts and what it
   * recovers to after throttling halved it (AIMD, shared/ecs/rate-limiter.ts).
   */
  ECS_CALLS_PER_SECOND: z._default(positiveNumber(1_000), DEFAULT_ECS_CALLS_PER_SECOND),
  /** How many of those calls an idle action may make at once before spacing applies (a batch's reads). */
  ECS_CALLS_BURST: z._default(wholeNumber(1, 100), DEFAULT_ECS_CALLS_BURST),
  MAX_ATTEMPTS: z._default(wholeNumber(1, 50), 8),
  BACKOFF_BASE_MS: ms(200, 1, 60_000),
  BACKOFF_CAP_MS: ms(5_000, 1, 300_000),
  DEADLINE_MARGIN_MS: z.optional(wholeNumber(0, 120_000)),
  NEW_INSTANCE_GRACE_SECONDS: z._default(wholeNumber(0, 86_400), 300),
  LOG_LEVEL: logLevel,
  /** The timer trigger's schedule; s.yaml passes it here too so a bad one fails at cold start, not silently. */
  SWEEP_SCHEDULE: z._default(schedule, '@every 60m'),
  SWEEP_REGIONS: z.optional(regionList),
  SWEEP_CALLS_PER_SECOND: z._default(positiveNumber(1_000), DEFAULT_SWEEP_CALLS_PER_SECOND),
  /** A queue holding one message, the lease: one sweep at a time (`npm run setup` creates it). */
  SWEEP_LEASE_QUEUE: z.optional(mnsName('queue')),
  /** The FC 3.0 API the sweep invokes itself through; default `https://<account>.<region>.fc.aliyuncs.com`. */
  FUNCTION_ENDPOINT: z.optional(mnsEndpoint),
  FC_REGION: z.optional(fcRegion),
  FC_ACCOUNT_ID: z.optional(fcAccountId),
  FC_FUNC_CODE_PATH: z.optional(z.string()),
  ACCOUNTS: z.optional(oneOf(['policy', 'resource-directory'])),
  ACCOUNTS_FOLDER: z.optional(
    matching(FOLDER_ID, 'a Resource Directory folder id such as fd-bVaRIG3qGz or r-Wm3qXY'),
  ),
  MEMBER_ROLE_NAME: z._default(
    matching(ROLE_NAME, 'a RAM role name (1–64 letters, digits, "." and "-")'),
    DEFAULT_MEMBER_ROLE_NAME,
  ),
  STS_ENDPOINT: z.optional(matching(ECS_ENDPOINT, 'host[:port] or http(s)://host[:port]')),
  RESOURCE_DIRECTORY_ENDPOINT: z.optional(matching(ECS_ENDPOINT, 'host[:port] or http(s)://host[:port]')),
});

/** The variables the attach-role function reads (the README's configuration table). */
export const ATTACH_ROLE_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * Where dead-letter records go: an MNS topic (fanned out to a retained queue for redrive and to the alert
 * function), or straight to an MNS queue when there is no alerting.
 */
export type DeadLetterTarget = { kind: 'topic'; name: string } | { kind: 'queue'; name: string };

/**
 * Which accounts the function serves. `single` (ACCOUNTS unset): the function's own account, with its own
 * credentials, as before. Otherwise member accounts through STS AssumeRole into `memberRoleName`: those the
 * policy's `accounts:` lists, or those the Resource Directory lists (optionally one folder's).
 */
export type AccountsConfig =
  | { source: 'single' }
  | { source: 'policy'; memberRoleName: string }
  | { source: 'resource-directory'; memberRoleName: string; folderId?: string };

/** `host[:port]` for an SDK, plus the scheme it must use. */
export interface SdkEndpoint {
  host: string;
  protocol: 'http' | 'https';
}

export interface Config {
  deadLetters: DeadLetterTarget;
  accounts: AccountsConfig;
  stsEndpoint?: SdkEndpoint;
  resourceDirectoryEndpoint?: SdkEndpoint;
  policyFile: string;
  /** `host[:port]` for the ECS SDK, plus the scheme it must use. */
  ecsEndpoint?: { host: string; protocol: 'http' | 'https' };
  mnsEndpoint?: string;
  ecs: { connectTimeoutMs: number; readTimeoutMs: number; concurrency: number };
  retry: { maxAttempts: number; baseMs: number; capMs: number };
  /**
   * How long an ECS call waits for calls of the same kind from invocations running at once on this instance, to
   * share one call with them (`shared/ecs/ecs-coalescer.ts`); 0 turns coalescing off.
   */
  coalesceWindowMs: number;
  /** Calls per second per ECS action and region from one FC instance, before throttling lowers it. */
  ecsCallsPerSecond: number;
  ecsCallsBurst: number;
  /** Time kept back from FC's timeout for the report and dead-lettering; derived from the timeout when unset. */
  deadlineMarginMs?: number;
  newInstanceGraceMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  sweep: SweepConfig;
  region?: string;
  accountId?: string;
  codePath?: string;
}

/** The fleet sweep (shared/sweep). */
export interface SweepConfig {
  schedule: string;
  /** Unset: the policy's regions, else the function's own region. */
  regions?: readonly string[];
  /** The sweep's budget per ECS action and region, calls per second. */
  callsPerSecond: number;
  leaseQueue?: string;
  functionEndpoint?: string;
}

/**
 * Reads and validates the environment once (at cold start); empty variables count as unset. Throws ConfigError
 * naming every bad variable, with its value and what is allowed, and every pair that contradicts itself.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const { values: e, set, problems } = readEnv(envSchema, env);
  const deadLetters = deadLetterTarget(set.DEAD_LETTER_TOPIC, set.DEAD_LETTER_QUEUE);
  if (typeof deadLetters === 'string') problems.unshift(deadLetters);
  if (set.ACCOUNTS_FOLDER !== undefined && set.ACCOUNTS !== 'resource-directory') {
    problems.push(
      `ACCOUNTS_FOLDER is set (${JSON.stringify(set.ACCOUNTS_FOLDER)}) but ACCOUNTS is ${set.ACCOUNTS === undefined ? 'unset' : JSON.stringify(set.ACCOUNTS)}: a folder filters only ACCOUNTS=resource-directory`,
    );
  }
  if (e !== undefined) {
    problems.push(
      ...orderProblem(
        { name: 'BACKOFF_BASE_MS', value: e.BACKOFF_BASE_MS, set: 'BACKOFF_BASE_MS' in set },
        { name: 'BACKOFF_CAP_MS', value: e.BACKOFF_CAP_MS, set: 'BACKOFF_CAP_MS' in set },
      ),
    );
  }
  if (e === undefined || typeof deadLetters === 'string' || problems.length > 0)
    throw new ConfigError(problems);
  const config: Config = {
    deadLetters,
    accounts: accountsConfig(e.ACCOUNTS, e.MEMBER_ROLE_NAME, e.ACCOUNTS_FOLDER),
    policyFile: e.POLICY_FILE,
    ecs: {
      connectTimeoutMs: e.ECS_CONNECT_TIMEOUT_MS,
      readTimeoutMs: e.ECS_READ_TIMEOUT_MS,
      concurrency: e.ECS_CONCURRENCY,
    },
    retry: { maxAttempts: e.MAX_ATTEMPTS, baseMs: e.BACKOFF_BASE_MS, capMs: e.BACKOFF_CAP_MS },
    coalesceWindowMs: e.COALESCE_WINDOW_MS,
    ecsCallsPerSecond: e.ECS_CALLS_PER_SECOND,
    ecsCallsBurst: e.ECS_CALLS_BURST,
    newInstanceGraceMs: e.NEW_INSTANCE_GRACE_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    sweep: {
      schedule: e.SWEEP_SCHEDULE,
      callsPerSecond: e.SWEEP_CALLS_PER_SECOND,
      ...(e.SWEEP_REGIONS === undefined || e.SWEEP_REGIONS.length === 0 ? {} : { regions: e.SWEEP_REGIONS }),
      ...(e.SWEEP_LEASE_QUEUE === undefined ? {} : { leaseQueue: e.SWEEP_LEASE_QUEUE }),
      ...(e.FUNCTION_ENDPOINT === undefined
        ? {}
        : { functionEndpoint: e.FUNCTION_ENDPOINT.replace(/\/$/, '') }),
    },
  };
  if (e.ECS_ENDPOINT !== undefined) config.ecsEndpoint = parseEcsEndpoint(e.ECS_ENDPOINT);
  if (e.STS_ENDPOINT !== undefined) config.stsEndpoint = parseEcsEndpoint(e.STS_ENDPOINT);
  if (e.RESOURCE_DIRECTORY_ENDPOINT !== undefined)
    config.resourceDirectoryEndpoint = parseEcsEndpoint(e.RESOURCE_DIRECTORY_ENDPOINT);
  if (e.MNS_ENDPOINT !== undefined) config.mnsEndpoint = e.MNS_ENDPOINT.replace(/\/$/, '');
  if (e.DEADLINE_MARGIN_MS !== undefined) config.deadlineMarginMs = e.DEADLINE_MARGIN_MS;
  if (e.FC_REGION !== undefined) config.region = e.FC_REGION;
  if (e.FC_ACCOUNT_ID !== undefined) config.accountId = e.FC_ACCOUNT_ID;
  if (e.FC_FUNC_CODE_PATH !== undefined) config.codePath = e.FC_FUNC_CODE_PATH;
  return config;
}

function accountsConfig(
  source: 'policy' | 'resource-directory' | undefined,
  memberRoleName: string,
  folderId: string | undefined,
): AccountsConfig {
  if (source === undefined) return { source: 'single' };
  if (source === 'policy') return { source, memberRoleName };
  return folderId === undefined ? { source, memberRoleName } : { source, memberRoleName, folderId };
}

/** Exactly one of the two names the dead-letter target; otherwise the problem. */
function deadLetterTarget(topic: string | undefined, queue: string | undefined): DeadLetterTarget | string {
  if (topic !== undefined && queue !== undefined)
    return 'set DEAD_LETTER_TOPIC or DEAD_LETTER_QUEUE, not both';
  if (topic !== undefined) return { kind: 'topic', name: topic };
  if (queue !== undefined) return { kind: 'queue', name: queue };
  return 'DEAD_LETTER_TOPIC (or, without alerting, DEAD_LETTER_QUEUE) is required';
}

/**
 * The ECS SDK wants `host[:port]` with the scheme given apart (a scheme in the endpoint breaks it, sdk-wire §3.1),
 * so accept either form (the schema checked it) and split it once.
 */
function parseEcsEndpoint(value: string): SdkEndpoint {
  return parseEndpoint(value) ?? { host: value, protocol: 'https' };
}

/** `http(s)://host[:port]` or `host[:port]` (https) split for an SDK client, else undefined (also the tools'). */
export function parseEndpoint(value: string): SdkEndpoint | undefined {
  const match = ECS_ENDPOINT.exec(value);
  if (match === null) return undefined;
  return { host: match[2] ?? '', protocol: match[1] === 'http' ? 'http' : 'https' };
}

/** FC's timeout minus this margin is the invocation's deadline: 10 % of the timeout, kept within 0.5–5 s. */
export function deadlineMarginMs(config: Config, timeoutSeconds: number): number {
  return config.deadlineMarginMs ?? Math.min(5_000, Math.max(500, timeoutSeconds * 100));
}
