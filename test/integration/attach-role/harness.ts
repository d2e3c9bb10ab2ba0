import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed, type Seed } from '../../../local/seed.js';
import { coldStart, type InvocationClock } from '../../../shared/attach/cold-start.js';
import type { Summary } from '../../../shared/attach/outcomes.js';
import type { FcContext } from '../../../shared/fc/fc-context.js';

export const ACCOUNT = '1234567890123456';
/** The design's policy, as a fixture of the tests' own: editing the shipped example cannot break them. */
export const DESIGN_POLICY = readFileSync(
  new URL('../../fixtures/policies/design.yaml', import.meta.url),
  'utf8',
);

export const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/events/${name}`, import.meta.url));

export interface Harness {
  stack: LocalStack;
  /** Every log line the function wrote, parsed. */
  logs: Record<string, unknown>[];
  rawLogs: string[];
  /** Invokes the handler as FC does: the event as a Buffer and an FC context. */
  invoke(event: unknown, options?: { timeoutSeconds?: number; requestId?: string }): Promise<Summary>;
  /** The handler itself, for a hand-made context. */
  handler: (event: Buffer, context: FcContext) => Promise<Summary>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  seed: Partial<Seed> & Pick<Seed, 'instances'>;
  policy?: string;
  env?: Record<string, string>;
  /** Member accounts (each a seed of its own); the stack then runs STS and a Resource Directory too. */
  members?: Seed[];
  /** The function's clock and waits (`virtualClock()`); real time by default. */
  clock?: InvocationClock;
}

export interface VirtualClock extends InvocationClock {
  /** Every wait the function asked for, in order. */
  readonly sleeps: number[];
  /** Time passed on this clock since it started: the sum of the waits. */
  elapsed(): number;
  /** Runs before the `n`-th wait (1-based) is taken, e.g. to change the world while the function waits. */
  onSleep?: (n: number) => void;
}

/**
 * A clock that moves only when the function waits, taking each wait at once: the deadline and the retries are
 * decided by the waits the function chose, never by how loaded the machine is. Starts at the real time, so the
 * emulators' signature checks still pass.
 */
export function virtualClock(start = Date.now()): VirtualClock {
  let slept = 0;
  const clock: VirtualClock = {
    sleeps: [],
    now: () => start + slept,
    elapsed: () => slept,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.onSleep?.(clock.sleeps.length);
      slept += ms;
    },
    random: () => 0.5,
  };
  return clock;
}

/** Fast retries for tests; the deadline logic is the same. */
// Retries fast, and the client-side ECS rate out of the way: these tests count the function's own waits.
const FAST_RETRIES = { BACKOFF_BASE_MS: '20', BACKOFF_CAP_MS: '200', ECS_CALLS_PER_SECOND: '1000' };

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const seed = parseSeed({
    accountId: ACCOUNT,
    roles: [
      { name: 'EcsAppRole', trustsEcs: true },
      { name: 'EcsPaymentsRole', trustsEcs: true },
      { name: 'EcsBuildAgentRole', trustsEcs: true },
      { name: 'LegacyOpsRole', trustsEcs: true },
    ],
    ...options.seed,
  });
  const stack = await startLocalStack({ seed, ...(options.members ? { members: options.members } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'attach-role-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, options.policy ?? DESIGN_POLICY);
  const rawLogs: string[] = [];
  const handler = await coldStart(stack.env({ POLICY_FILE: policyFile, ...FAST_RETRIES, ...options.env }), {
    logDestination: { write: (line) => void rawLogs.push(line) },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    stack,
    rawLogs,
    handler,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    invoke: (event, invokeOptions) => {
      const bytes = Buffer.isBuffer(event)
        ? event
        : Buffer.from(typeof event === 'string' ? event : JSON.stringify(event));
      return handler(bytes, stack.context(invokeOptions));
    },
    close: () => stack.close(),
  };
}

/** A seed instance with defaults: running, VPC, no role. */
export function instance(
  id: string,
  tags: Record<string, string>,
  extra: Partial<Seed['instances'][number]> = {},
) {
  return {
    id,
    region: 'cn-hangzhou',
    status: 'Running' as const,
    network: 'vpc' as const,
    tags,
    role: null,
    ...extra,
  };
}

/** An EventBridge instance state-change event for one instance. */
export function stateChange(
  instanceId: string,
  state = 'Running',
  regionId = 'cn-hangzhou',
  id = `evt-${instanceId}`,
) {
  return {
    id,
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: `acs:ecs:${regionId}:${ACCOUNT}:instance/${instanceId}`,
    time: new Date().toISOString(),
    aliyunaccountid: ACCOUNT,
    aliyunregionid: regionId,
    data: { resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state },
  };
}

/** Instance ids that look real: `i-bp1` + a family + a zero-padded number. */
export const ids = (family: string, n: number, start = 1): string[] =>
  Array.from(
    { length: n },
    (_, i) => `i-bp1${family}${String(start + i).padStart(20 - 3 - family.length, '0')}`,
  );
