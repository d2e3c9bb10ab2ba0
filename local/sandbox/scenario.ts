import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { REGION_ID, ROLE_NAME } from '../../shared/ecs/ids.js';
import { AppError } from '../../shared/errors/app-error.js';
import { fileProblem, someIssues } from '../../tools/cli.js';
import { REDRIVE_KINDS } from '../../tools/redrive/redrive.js';
import { parseSeed, type Seed, SeedError } from '../seed.js';

/**
 * A sandbox scenario (format documented in local/README.md): the world to start from, what happens when, and
 * what must hold at the end. Times are seconds from the start.
 */
const tags = z.record(z.string(), z.string());
const rate = z.object({
  ratePerSecond: z.number().check(z.positive()),
  burst: z.optional(z.number().check(z.positive())),
});

/**
 * What a step waits for besides its time: every condition given must hold. Conditions let a step follow what it
 * depends on (the failures it fixes, the roles it moves) rather than a time, so a scenario tells the same story
 * on a fast machine and a loaded one; the time limit still bounds the wait.
 */
const after = z.strictObject({
  /** The step with this `name` has finished. */
  step: z.optional(z.string().check(z.minLength(1))),
  /**
   * Failures in the retained dead-letter queue: with `group`, a record for every instance of that launched group
   * (its launches finished); otherwise at least `atLeast` records. `code` counts only records with that error code.
   */
  deadLetters: z.optional(
    z.strictObject({
      group: z.optional(z.string().check(z.minLength(1))),
      code: z.optional(z.string().check(z.minLength(1))),
      atLeast: z.optional(z.int().check(z.gte(1))),
    }),
  ),
  /** At least `atLeast` instances of the group hold a role (every one of them, its launches finished, when omitted). */
  withRole: z.optional(
    z.strictObject({ group: z.string().check(z.minLength(1)), atLeast: z.optional(z.int().check(z.gte(1))) }),
  ),
  /** The system has settled as it must at the end of the run: nothing scheduled or in flight, no new call for 1.5 s. */
  settled: z.optional(z.literal(true)),
});

/** When a step runs: not before `at` seconds from the start (0 when omitted), and once `after` holds. */
const timing = {
  /** Names the step, for another step's `after: { step }`. */
  name: z.optional(z.string().check(z.minLength(1))),
  at: z._default(z.number().check(z.gte(0)), 0),
  after: z.optional(after),
};

/** An account of the scenario: the seed's (central) one or a member's. */
const accountId = z.string().check(z.regex(/^\d{1,32}$/, 'an account id (digits)'));

const launch = z.strictObject({
  ...timing,
  launch: z.strictObject({
    /** The account the instances are launched in (a member's); the seed's when omitted. */
    account: z.optional(accountId),
    /** Names the instances launched here, for later steps and expectations. */
    group: z.string().check(z.minLength(1)),
    region: z.string().check(z.regex(REGION_ID, 'a region id, like cn-hangzhou')),
    count: z.int().check(z.gte(1), z.lte(100_000)),
    tags: z._default(tags, {}),
    /** RunInstances takes ≤ 100 a call; a launch of more is split into bursts this far apart. */
    burstSize: z._default(z.int().check(z.gte(1), z.lte(100)), 100),
    burstEverySeconds: z._default(z.number().check(z.gte(0)), 1),
  }),
});

const retag = z.strictObject({
  ...timing,
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
  ...timing,
  throttle: z.strictObject({
    actions: z.array(z.string()).check(z.minLength(1)),
    ratePerSecond: z.number().check(z.positive()),
    burst: z.optional(z.number().check(z.positive())),
    seconds: z.number().check(z.positive()),
  }),
});

const trust = z.strictObject({
  ...timing,
  /**
   * RAM side, in `account` (the seed's when omitted): the role's trust policy stops (false) or starts (true)
   * allowing ecs.aliyuncs.com (`ecs`), or the central attach function's role (`centralFunction`: a member role).
   */
  trust: z
    .strictObject({
      role: z.string().check(z.regex(ROLE_NAME, 'a RAM role name (1-64 letters, digits, "." or "-")')),
      account: z.optional(accountId),
      ecs: z.optional(z.boolean()),
      centralFunction: z.optional(z.boolean()),
    })
    .check(
      z.refine((t) => (t.ecs === undefined) !== (t.centralFunction === undefined), {
        message: 'give one of ecs and centralFunction',
      }),
    ),
});

const redrive = z.strictObject({
  ...timing,
  /** `npm run redrive` against the sandbox: replays the retained failures (optionally filtered). */
  redrive: z.strictObject({
    code: z.optional(z.string()),
    kind: z.optional(z.enum(REDRIVE_KINDS)),
    max: z._default(z.int().check(z.gte(1)), 1000),
  }),
});

const dropEvents = z.strictObject({
  ...timing,
  /**
   * EventBridge loses every event about the group's instances from now on (those it launches later too), as a
   * lost or filtered-out event is lost: only a sweep finds them.
   */
  dropEvents: z.strictObject({ group: z.string().check(z.minLength(1)) }),
});

const detach = z.strictObject({
  ...timing,
  /**
   * An operator detaches the role of the first `count` instances of the group that hold one
   * (DetachInstanceRamRole through the ECS API). `as` names those instances as a group of their own.
   */
  detach: z.strictObject({
    group: z.string().check(z.minLength(1)),
    count: z.optional(z.int().check(z.gte(1))),
    as: z.optional(z.string().check(z.minLength(1))),
  }),
});

const deploy = z.strictObject({
  ...timing,
  /**
   * A redeploy with another tag policy (the attach function's POLICY_FILE, through FC's UpdateFunction): the
   * function reads its policy at cold start, so new instances run with it. Relative to the scenario file.
   */
  deploy: z.strictObject({ policy: z.string().check(z.minLength(1)) }),
});

const sweep = z.strictObject({
  ...timing,
  /**
   * Invokes the attach function as its timer trigger does (asynchronously, through the FC API); the step ends
   * when that sweep is complete.
   */
  sweep: z._default(z.strictObject({}), {}),
});

const STEP_KINDS = { launch, retag, throttle, trust, redrive, dropEvents, detach, deploy, sweep } as const;
export type StepKind = keyof typeof STEP_KINDS;
const step = z.union([launch, retag, throttle, trust, redrive, dropEvents, detach, deploy, sweep]);

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
  /** Member accounts (seeds: each its instances and roles, its member role among them). */
  members: z._default(z.array(z.unknown()), []),
  // Each step is parsed by the schema of its kind, so a mistake is reported against that kind's fields.
  steps: z.array(z.unknown()),
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
      /**
       * Groups the sweep must repair: every instance of each was without the role its policy gives it when a
       * sweep step started, and held it when that sweep completed.
       */
      repairedBySweep: z._default(z.array(z.string().check(z.minLength(1))), []),
    }),
    { converged: true, deadLetters: [], repairedBySweep: [] },
  ),
});

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'seed' | 'members' | 'policy' | 'steps'> & {
  seed: Seed;
  /** Parsed scenarios always have it; one built in code may leave it out (no member accounts). */
  members?: Seed[];
  policy?: string;
  steps: ScenarioStep[];
};
export type ScenarioStep = z.infer<typeof step>;
export type StepCondition = NonNullable<ScenarioStep['after']>;
export type Bound = z.infer<typeof bound>;

/** A scenario file that cannot be run: every problem, each naming its field (`steps.3.after.step`). */
export class ScenarioError extends AppError {
  readonly source: string;
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[], cause?: unknown) {
    super('InvalidScenario', `${source} is not a valid scenario: ${someIssues(issues)}`, {
      errorClass: 'permanent',
      cause,
    });
    this.source = source;
    this.issues = issues;
  }
}

const issueText = (prefix: string, issues: readonly z.core.$ZodIssue[]): string[] =>
  issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`);

/** Which kind a step is: the one action key it has (`launch`, `retag`, …). */
export function stepKind(step: ScenarioStep): StepKind {
  if ('launch' in step) return 'launch';
  if ('retag' in step) return 'retag';
  if ('throttle' in step) return 'throttle';
  if ('trust' in step) return 'trust';
  if ('redrive' in step) return 'redrive';
  if ('dropEvents' in step) return 'dropEvents';
  if ('detach' in step) return 'detach';
  if ('deploy' in step) return 'deploy';
  return 'sweep';
}

function parseStep(input: unknown, index: number, issues: string[]): ScenarioStep | undefined {
  const at = `steps.${index}`;
  const kinds = Object.keys(STEP_KINDS) as StepKind[];
  const present =
    typeof input === 'object' && input !== null ? kinds.filter((k) => k in input) : ([] as StepKind[]);
  const [kind] = present;
  if (kind === undefined || present.length > 1) {
    issues.push(
      `${at}: a step has exactly one of ${kinds.join(', ')}${present.length > 1 ? ` (found ${present.join(' and ')})` : ''}`,
    );
    return undefined;
  }
  const result = STEP_KINDS[kind].safeParse(input);
  if (result.success) return result.data;
  issues.push(...issueText(at, result.error.issues));
  return undefined;
}

/** What the steps refer to exists: unique names, `after.step` naming another step without a cycle, known groups. */
function referenceProblems(
  steps: readonly ScenarioStep[],
  repairedBySweep: readonly string[],
  accounts: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const checkAccount = (account: string | undefined, field: string) => {
    if (account !== undefined && !accounts.has(account))
      problems.push(
        `${field}: ${account} is neither the seed’s account nor a member’s (${[...accounts].join(', ')})`,
      );
  };
  const byName = new Map<string, number>();
  steps.forEach((s, i) => {
    if (s.name === undefined) return;
    const first = byName.get(s.name);
    if (first === undefined) byName.set(s.name, i);
    else problems.push(`steps.${i}.name: ${JSON.stringify(s.name)} is already the name of steps.${first}`);
  });
  const groups = new Set([
    'seed',
    ...steps.flatMap((s) =>
      'launch' in s ? [s.launch.group] : 'detach' in s && s.detach.as !== undefined ? [s.detach.as] : [],
    ),
  ]);
  const known = [...groups].join(', ');
  const checkGroup = (group: string | undefined, field: string) => {
    if (group !== undefined && !groups.has(group))
      problems.push(`${field}: no launch step makes group ${JSON.stringify(group)} (groups: ${known})`);
  };
  repairedBySweep.forEach((group, i) => {
    checkGroup(group, `expect.repairedBySweep.${i}`);
  });
  if (repairedBySweep.length > 0 && !steps.some((s) => 'sweep' in s))
    problems.push('expect.repairedBySweep: no sweep step could repair them');
  steps.forEach((s, i) => {
    if ('launch' in s) checkAccount(s.launch.account, `steps.${i}.launch.account`);
    if ('trust' in s) checkAccount(s.trust.account, `steps.${i}.trust.account`);
    if ('retag' in s) checkGroup(s.retag.group, `steps.${i}.retag.group`);
    if ('dropEvents' in s) checkGroup(s.dropEvents.group, `steps.${i}.dropEvents.group`);
    if ('detach' in s) checkGroup(s.detach.group, `steps.${i}.detach.group`);
    checkGroup(s.after?.deadLetters?.group, `steps.${i}.after.deadLetters.group`);
    checkGroup(s.after?.withRole?.group, `steps.${i}.after.withRole.group`);
    if (s.after?.deadLetters?.group !== undefined && s.after.deadLetters.atLeast !== undefined)
      problems.push(`steps.${i}.after.deadLetters: give group (all of it) or atLeast, not both`);
    const wanted = s.after?.step;
    if (wanted === undefined) return;
    const target = byName.get(wanted);
    if (target === undefined) {
      problems.push(
        `steps.${i}.after.step: no step is named ${JSON.stringify(wanted)}${byName.size > 0 ? ` (names: ${[...byName.keys()].join(', ')})` : ''}`,
      );
      return;
    }
    // Follow the chain of `after.step`: a step that comes back to itself would never run.
    const seen = new Set([i]);
    for (let at: number | undefined = target; at !== undefined; ) {
      if (seen.has(at)) {
        problems.push(
          `steps.${i}.after.step: ${JSON.stringify(wanted)} waits, in the end, for this step itself`,
        );
        break;
      }
      seen.add(at);
      const next: string | undefined = steps[at]?.after?.step;
      at = next === undefined ? undefined : byName.get(next);
    }
  });
  return problems;
}

/** `source` names the file in messages; paths in it are relative to `baseDir` (the file's directory). */
export function parseScenario(text: string, source: string, baseDir = dirname(resolve(source))): Scenario {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(source, [`not YAML: ${message.split('\n', 1)[0]}`], error);
  }
  const result = scenarioSchema.safeParse(document);
  if (!result.success) throw new ScenarioError(source, issueText('', result.error.issues));
  const issues: string[] = [];
  const steps = result.data.steps.flatMap((s, i) => parseStep(s, i, issues) ?? []);
  const { seed, members, policy, ...rest } = result.data;
  const accountId = '1234567890123456';
  const seedOf = (input: unknown, field: string): Seed => {
    try {
      return parseSeed(input, field);
    } catch (error) {
      if (!(error instanceof SeedError)) throw error;
      throw new ScenarioError(
        source,
        error.issues.map((issue) => `${field}.${issue}`),
        error,
      );
    }
  };
  const parsedSeed = seedOf(seed ?? { accountId }, 'seed');
  const parsedMembers = members.map((m, i) => seedOf(m, `members.${i}`));
  const accounts = new Set([parsedSeed.accountId, ...parsedMembers.map((m) => m.accountId)]);
  if (accounts.size !== 1 + parsedMembers.length)
    issues.push('members: every account must be a different one');
  if (issues.length === 0)
    issues.push(...referenceProblems(steps, result.data.expect.repairedBySweep, accounts));
  if (issues.length > 0) throw new ScenarioError(source, issues);
  return {
    members: parsedMembers,
    ...rest,
    // A deploy's policy is relative to the scenario file, like any path in it.
    steps: steps.map((s) =>
      'deploy' in s ? { ...s, deploy: { policy: resolve(baseDir, s.deploy.policy) } } : s,
    ),
    seed: parsedSeed,
    // Relative to the scenario file, like any path in it.
    ...(policy === undefined ? {} : { policy: resolve(baseDir, policy) }),
  };
}

/** Reads a scenario file; `name` is how messages call it (the path as the user gave it). */
export function readScenario(path: string, name = path): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${name}: ${fileProblem(error)}`, { cause: error });
  }
  return parseScenario(text, name, dirname(resolve(path)));
}
