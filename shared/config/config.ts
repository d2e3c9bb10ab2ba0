import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ACCOUNT_ID, REGION_ID } from '../ecs/ids.js';
import { AppError } from '../errors/app-error.js';

// zod/mini loads no locale (its messages would all be "Invalid input"); ConfigError quotes zod's English ones.
z.config(en());

/** A configuration value is missing or invalid: the function cannot start. */
export class ConfigError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('InvalidConfig', message, { errorClass: 'permanent', cause });
  }
}

/** A whole number within `[min, max]`, given as text; `z.int()` doubles as the integer check. */
const int = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));

const intMs = (fallback: number, min: number, max: number) => z._default(int(min, max), fallback);

/** MNS queue and topic names: letters, digits and `-`, starting with a letter or digit, ≤ 120 characters. */
const MNS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,119}$/;

// Variables both functions read, validated the same way in each.
export const mnsName = (what: 'queue' | 'topic') =>
  z.string().check(z.regex(MNS_NAME, `an MNS ${what} name (letters, digits, "-")`));
export const mnsEndpoint = z
  .string()
  .check(z.regex(/^https?:\/\/[^\s/]+\/?$/, 'an http(s):// URL with no path'));
export const logLevel = z._default(
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  'info',
);
/** Set by FC itself; used when the invocation context lacks them (local runs). */
export const fcRegion = z.string().check(z.regex(REGION_ID, 'a region id such as cn-hangzhou'));
export const fcAccountId = z.string().check(z.regex(ACCOUNT_ID, 'digits'));

/** One line per bad variable, naming it; a missing one reads "X is required". */
export function configProblems(issues: readonly z.core.$ZodIssue[], env: NodeJS.ProcessEnv): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return issue.code === 'invalid_type' && env[name] === undefined
      ? `${name} is required`
      : `${name}: ${issue.message}`;
  });
}

/**
 * Environment variables of the attach-role function. The README keeps the same table; keep both in step.
 * Names may not start with `FC_` (reserved by FC).
 */
const envSchema = z.object({
  DEAD_LETTER_TOPIC: z.optional(mnsName('topic')),
  DEAD_LETTER_QUEUE: z.optional(mnsName('queue')),
  POLICY_FILE: z._default(z.string().check(z.minLength(1)), 'policy.yaml'),
  ECS_ENDPOINT: z.optional(z.string().check(z.minLength(1))),
  MNS_ENDPOINT: z.optional(mnsEndpoint),
  ECS_CONNECT_TIMEOUT_MS: intMs(2_000, 100, 60_000),
  ECS_READ_TIMEOUT_MS: intMs(10_000, 100, 120_000),
  ECS_CONCURRENCY: z._default(int(1, 32), 4),
  MAX_ATTEMPTS: z._default(int(1, 50), 8),
  BACKOFF_BASE_MS: intMs(200, 1, 60_000),
  BACKOFF_CAP_MS: intMs(5_000, 1, 300_000),
  DEADLINE_MARGIN_MS: z.optional(int(0, 120_000)),
  NEW_INSTANCE_GRACE_SECONDS: z._default(int(0, 86_400), 300),
  LOG_LEVEL: logLevel,
  FC_REGION: z.optional(fcRegion),
  FC_ACCOUNT_ID: z.optional(fcAccountId),
  FC_FUNC_CODE_PATH: z.optional(z.string()),
});

/** The variables the attach-role function reads (the README's configuration table). */
export const ATTACH_ROLE_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * Where dead-letter records go: an MNS topic (fanned out to a retained queue for redrive and to the alert
 * function), or straight to an MNS queue when there is no alerting.
 */
export type DeadLetterTarget = { kind: 'topic'; name: string } | { kind: 'queue'; name: string };

export interface Config {
  deadLetters: DeadLetterTarget;
  policyFile: string;
  /** `host[:port]` for the ECS SDK, plus the scheme it must use. */
  ecsEndpoint?: { host: string; protocol: 'http' | 'https' };
  mnsEndpoint?: string;
  ecs: { connectTimeoutMs: number; readTimeoutMs: number; concurrency: number };
  retry: { maxAttempts: number; baseMs: number; capMs: number };
  /** Time kept back from FC's timeout for the report and dead-lettering; derived from the timeout when unset. */
  deadlineMarginMs?: number;
  newInstanceGraceMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  region?: string;
  accountId?: string;
  codePath?: string;
}

/** Reads and validates the environment once (at cold start). Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // Parsed once: zod's generated fast path would cost more to compile than it saves (cold start).
  const parsed = envSchema.safeParse(env, { jitless: true });
  const problems = parsed.success ? [] : configProblems(parsed.error.issues, env);
  const topic = env.DEAD_LETTER_TOPIC;
  const queue = env.DEAD_LETTER_QUEUE;
  if (topic === undefined && queue === undefined) {
    problems.unshift('DEAD_LETTER_TOPIC (or, without alerting, DEAD_LETTER_QUEUE) is required');
  } else if (topic !== undefined && queue !== undefined) {
    problems.unshift('set DEAD_LETTER_TOPIC or DEAD_LETTER_QUEUE, not both');
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const config: Config = {
    deadLetters:
      e.DEAD_LETTER_TOPIC !== undefined
        ? { kind: 'topic', name: e.DEAD_LETTER_TOPIC }
        : { kind: 'queue', name: e.DEAD_LETTER_QUEUE as string },
    policyFile: e.POLICY_FILE,
    ecs: {
      connectTimeoutMs: e.ECS_CONNECT_TIMEOUT_MS,
      readTimeoutMs: e.ECS_READ_TIMEOUT_MS,
      concurrency: e.ECS_CONCURRENCY,
    },
    retry: { maxAttempts: e.MAX_ATTEMPTS, baseMs: e.BACKOFF_BASE_MS, capMs: e.BACKOFF_CAP_MS },
    newInstanceGraceMs: e.NEW_INSTANCE_GRACE_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
  };
  if (e.ECS_ENDPOINT !== undefined) config.ecsEndpoint = parseEcsEndpoint(e.ECS_ENDPOINT);
  if (e.MNS_ENDPOINT !== undefined) config.mnsEndpoint = e.MNS_ENDPOINT.replace(/\/$/, '');
  if (e.DEADLINE_MARGIN_MS !== undefined) config.deadlineMarginMs = e.DEADLINE_MARGIN_MS;
  if (e.FC_REGION !== undefined) config.region = e.FC_REGION;
  if (e.FC_ACCOUNT_ID !== undefined) config.accountId = e.FC_ACCOUNT_ID;
  if (e.FC_FUNC_CODE_PATH !== undefined) config.codePath = e.FC_FUNC_CODE_PATH;
  return config;
}

/**
 * The ECS SDK wants `host[:port]` with the scheme given apart (a scheme in the endpoint breaks it, sdk-wire §3.1),
 * so accept either form here and split it once.
 */
function parseEcsEndpoint(value: string): { host: string; protocol: 'http' | 'https' } {
  const match = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(value);
  if (match === null || match[2] === undefined) {
    throw new ConfigError(
      `ECS_ENDPOINT: expected host[:port] or http(s)://host[:port], got ${JSON.stringify(value)}`,
    );
  }
  return { host: match[2], protocol: match[1] === 'http' ? 'http' : 'https' };
}

/** FC's timeout minus this margin is the invocation's deadline: 10 % of the timeout, kept within 0.5–5 s. */
export function deadlineMarginMs(config: Config, timeoutSeconds: number): number {
  return config.deadlineMarginMs ?? Math.min(5_000, Math.max(500, timeoutSeconds * 100));
}
