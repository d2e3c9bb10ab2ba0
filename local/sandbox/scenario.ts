import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { REGION_ID, ROLE_NAME } from '../../shared/ecs/ids.js';
import { parseSeed, type Seed } from '../seed.js';

/**
 * A sandbox scenario (format documented in local/README.md): the world to start from, what happens when, and
 * what must hold at the end. Times are seconds from the start.
 */
const tags = z.record(z.string(), z.string());
const rate = z.object({
  ratePerSecond: z.number().check(z.positive()),
  burst: z.optional(z.number().check(z.positive())),
});

const launch = z.strictObject({
  at: z.number().check(z.gte(0)),
  launch: z.strictObject({
    /** Names the instances launched here, for later steps and expectations. */
    group: z.string().check(z.minLength(1)),
    region: z.string().check(z.regex(REGION_ID)),
    count: z.int().check(z.gte(1), z.lte(100_000)),
    tags: z._default(tags, {}),
    /** RunInstances takes ≤ 100 a call; a launch of more is split into bursts this far apart. */
    burstSize: z._default(z.int().check(z.gte(1), z.lte(100)), 100),
    burstEverySeconds: z._default(z.number().check(z.gte(0)), 1),
  }),
});

const retag = z.strictObject({
  at: z.number().check(z.gte(0)),
  retag: z.strictObject({
    /** A launched group, or `seed` for the seeded instances. */
    group: z.string(),
    /** How many of the group (the first ones); all when omitted. */
    count: z.optional(z.int().check(z.gte(1))),
    set: z._default(tags, {}),
    remove: z._default(z.array(z.string()), []),
  }),
});

const throttle = z.strictObject({
  at: z.number().check(z.gte(0)),
  throttle: z.strictObject({
    actions: z.array(z.string()).check(z.minLength(1)),
    ratePerSecond: z.number().check(z.positive()),
    burst: z.optional(z.number().check(z.positive())),
    seconds: z.number().check(z.positive()),
  }),
});

const trust = z.strictObject({
  at: z.number().check(z.gte(0)),
  /** RAM side: the role's trust policy stops (false) or starts (true) allowing ecs.aliyuncs.com. */
  trust: z.strictObject({ role: z.string().check(z.regex(ROLE_NAME)), ecs: z.boolean() }),
});

const redrive = z.strictObject({
  at: z.number().check(z.gte(0)),
  /** `npm run redrive` against the sandbox: replays the retained failures (optionally filtered). */
  redrive: z.strictObject({
    code: z.optional(z.string()),
    kind: z.optional(z.string()),
    max: z._default(z.int().check(z.gte(1)), 1000),
  }),
});

const step = z.union([launch, retag, throttle, trust, redrive]);

const bound = z.strictObject({ min: z.optional(z.number()), max: z.optional(z.number()) });

const scenarioSchema = z.strictObject({
  name: z.string(),
  description: z._default(z.string(), ''),
  /** The tag policy the function runs with (POLICY_FILE); the deployed policy.yaml when omitted. */
  policy: z.optional(z.string()),
  /** The run fails if it has not settled by then. */
  timeLimitSeconds: z._default(z.number().check(z.positive()), 110),
  /** Multiplies FC async-retry and EventBridge retry delays, so hour-long real schedules fit a short run. */
  timeScale: z._default(z.number().check(z.positive()), 0.02),
  ecs: z._default(
    z.strictObject({
      latencyMs: z._default(z.number().check(z.gte(0)), 10),
      rateLimit: z._default(rate, { ratePerSecond: 100 }),
      pendingSeconds: z._default(z.number().check(z.gte(0)), 0.3),
      startingSeconds: z._default(z.number().check(z.gte(0)), 0.3),
      visibilityLagSeconds: z._default(z.number().check(z.gte(0)), 0.2),
    }),
    {
      latencyMs: 10,
      rateLimit: { ratePerSecond: 100 },
      pendingSeconds: 0.3,
      startingSeconds: 0.3,
      visibilityLagSeconds: 0.2,
    },
  ),
  /** Function instances FC may run at once (worker threads here; real FC scales further). */
  fc: z._default(z.strictObject({ maxInstances: z._default(z.int().check(z.gte(1), z.lte(200)), 10) }), {
    maxInstances: 10,
  }),
  seed: z.optional(z.unknown()),
  steps: z.array(step),
  expect: z._default(
    z.strictObject({
      /** Every instance holds the role the policy gives it, or the policy keeps another, or it is dead-lettered. */
      converged: z._default(z.boolean(), true),
      deadLetters: z._default(z.array(z.strictObject({ code: z.string(), min: z._default(z.int(), 1) })), []),
      conflicts: z.optional(bound),
      refused: z.optional(bound),
      throttledCalls: z.optional(bound),
      latencyP95Seconds: z.optional(bound),
      /** Alerts the targets received that passed their format and signature checks. */
      alertsDelivered: z.optional(bound),
      /**
       * Alert messages each group got at each target (every group at every target must lie within the bound):
       * `{min: 1, max: 1}` is one alert per group per target.
       */
      alertsPerGroupPerTarget: z.optional(bound),
      /** Failures the redrive steps fixed (replayed, attached, deleted from the retained queue). */
      redriveFixed: z.optional(bound),
    }),
    { converged: true, deadLetters: [] },
  ),
});

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'seed' | 'policy'> & {
  seed: Seed;
  policy?: string;
};
export type ScenarioStep = z.infer<typeof step>;
export type Bound = z.infer<typeof bound>;

export function parseScenario(text: string, source: string): Scenario {
  const result = scenarioSchema.safeParse(parse(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid scenario:\n  ${issues.join('\n  ')}`);
  }
  const { seed, policy, ...rest } = result.data;
  const accountId = '1234567890123456';
  return {
    ...rest,
    seed: parseSeed(seed ?? { accountId }, `${source} seed`),
    // Relative to the scenario file, like any path in it.
    ...(policy === undefined ? {} : { policy: resolve(dirname(resolve(source)), policy) }),
  };
}

export function readScenario(path: string): Scenario {
  return parseScenario(readFileSync(path, 'utf8'), path);
}
