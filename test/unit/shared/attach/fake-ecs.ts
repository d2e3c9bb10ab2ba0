import pLimit from 'p-limit';
import type { RunContext } from '../../../../shared/attach/run-context.js';
import {
  type CallOptions,
  type EcsGateway,
  type InstancePage,
  type InstanceState,
  MAX_IDS_PER_CALL,
  MAX_IDS_PER_ROLE_READ,
  MAX_ROLE_PAGE_SIZE,
  type RolePage,
  type WriteResult,
} from '../../../../shared/ecs/ecs-gateway.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { createLogger } from '../../../../shared/logging/logger.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import { Deadline } from '../../../../shared/retry/deadline.js';

export const REGION = 'cn-hangzhou';

export interface FakeInstance {
  status?: string;
  networkType?: string;
  tags?: Record<string, string>;
  role?: string | null;
}

export interface FakeEcsOptions {
  /** What DescribeInstanceRamRole lists: every instance asked about (`""` for no role), or only those with one. */
  roleRows?: 'every-instance' | 'with-role-only';
  /** The per-instance code for attaching to an instance that has a role (undocumented in the real ECS). */
  alreadyAttachedCode?: string;
}

/**
 * A scripted failure of the next `times` calls of `action` (whose ids `match`, if given): `error` is thrown
 * before the call does anything, or — `applied` — after it took effect (a write whose answer was lost).
 */
export interface FakeFault {
  action: FakeCall['action'];
  error: unknown;
  times?: number;
  applied?: boolean;
  match?: (ids: readonly string[]) => boolean;
}

export interface FakeCall {
  action:
    | 'DescribeInstances'
    | 'ListInstances'
    | 'DescribeInstanceRamRole'
    | 'AttachInstanceRamRole'
    | 'DetachInstanceRamRole';
  ids: readonly string[];
  role?: string;
}

/**
 * An in-memory ECS behind the `EcsGateway` interface, as strict about limits as the real one: more ids than a
 * call takes throws, as the SDK gateway does. `concurrently` models another writer between our read and our
 * write: the role an instance gets just before the next Attach or Detach that names it.
 */
export class FakeEcs implements EcsGateway {
  readonly instances = new Map<string, Required<FakeInstance>>();
  readonly calls: FakeCall[] = [];
  readonly concurrently = new Map<string, string | null>();
  readonly faults: FakeFault[] = [];
  /** Runs as each call starts, after it is recorded (e.g. to move a fake clock). */
  onCall?: (call: FakeCall) => Promise<void> | void;
  readonly #options: Required<FakeEcsOptions>;

  constructor(instances: Record<string, FakeInstance>, options: FakeEcsOptions = {}) {
    for (const [id, i] of Object.entries(instances)) {
      this.instances.set(id, {
        status: i.status ?? 'Running',
        networkType: i.networkType ?? 'vpc',
        tags: i.tags ?? {},
        role: i.role ?? null,
      });
    }
    this.#options = {
      roleRows: options.roleRows ?? 'every-instance',
      alreadyAttachedCode: options.alreadyAttachedCode ?? 'InvalidRamRole.AlreadyAttached',
    };
  }

  role(id: string): string | null | undefined {
    return this.instances.get(id)?.role;
  }

  count(action: FakeCall['action']): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  async describeInstances(
    regionId: string,
    ids: readonly string[],
    _o: CallOptions,
  ): Promise<InstanceState[]> {
    return this.#run({ action: 'DescribeInstances', ids }, MAX_IDS_PER_CALL, () =>
      this.instanceStates(regionId, ids),
    );
  }

  /** What DescribeInstances lists for `ids` (subclasses hide or change instances here). */
  protected instanceStates(regionId: string, ids: readonly string[]): InstanceState[] {
    return ids.flatMap((instanceId) => {
      const i = this.instances.get(instanceId);
      return i === undefined
        ? []
        : [{ instanceId, regionId, status: i.status, networkType: i.networkType, tags: { ...i.tags } }];
    });
  }

  /** Pages of 100 in insertion order; the token is the next offset. */
  async listInstances(regionId: string, nextToken: string | null, _o: CallOptions): Promise<InstancePage> {
    const offset = nextToken === null ? 0 : Number(nextToken);
    const all = [...this.instances.entries()];
    const page = all.slice(offset, offset + 100);
    this.calls.push({ action: 'ListInstances', ids: page.map(([id]) => id) });
    return {
      instances: page.map(([instanceId, i]) => ({
        instanceId,
        regionId,
        status: i.status,
        networkType: i.networkType,
        tags: { ...i.tags },
      })),
      nextToken: offset + 100 < all.length ? String(offset + 100) : null,
    };
  }

  async describeInstanceRoles(
    _regionId: string,
    ids: readonly string[],
    pageNumber: number,
    _o: CallOptions,
  ): Promise<RolePage> {
    return this.#run({ action: 'DescribeInstanceRamRole', ids }, MAX_IDS_PER_ROLE_READ, () =>
      this.#rolePage(ids, pageNumber),
    );
  }

  #rolePage(ids: readonly string[], pageNumber: number): RolePage {
    const rows = ids.flatMap((instanceId) => {
      const i = this.instances.get(instanceId);
      if (i === undefined) return [];
      if (i.networkType === 'classic') throw new Error(`asked about classic instance ${instanceId}`);
      if (i.role === null && this.#options.roleRows === 'with-role-only') return [];
      return [{ instanceId, roleName: i.role }];
    });
    const page = rows.slice((pageNumber - 1) * MAX_ROLE_PAGE_SIZE, pageNumber * MAX_ROLE_PAGE_SIZE);
    return { rows: page, rowCount: page.length, totalCount: rows.length };
  }

  async attachRole(_r: string, role: string, ids: readonly string[], _o: CallOptions): Promise<WriteResult> {
    return this.#run({ action: 'AttachInstanceRamRole', ids, role }, MAX_IDS_PER_CALL, () => ({
      requestId: `req-${this.calls.length}`,
      results: ids.map((instanceId) => {
        const i = this.#meanwhile(instanceId);
        if (i === undefined) return failure(instanceId, 'InvalidInstanceId.NotFound');
        if (i.role !== null) return failure(instanceId, this.#options.alreadyAttachedCode);
        i.role = role;
        return { instanceId, ok: true, code: '200', message: 'success' };
      }),
    }));
  }

  async detachRole(_r: string, role: string, ids: readonly string[], _o: CallOptions): Promise<WriteResult> {
    return this.#run({ action: 'DetachInstanceRamRole', ids, role }, MAX_IDS_PER_CALL, () => ({
      requestId: `req-${this.calls.length}`,
      results: ids.map((instanceId) => {
        const i = this.#meanwhile(instanceId);
        if (i === undefined) return failure(instanceId, 'InvalidInstanceId.NotFound');
        if (i.role !== role) return failure(instanceId, 'Detach.NotThatRole');
        i.role = null;
        return { instanceId, ok: true, code: '200', message: 'success' };
      }),
    }));
  }

  /** Records the call, then fails it as a scripted fault says, or carries it out. */
  async #run<T>(call: FakeCall, max: number, act: () => T): Promise<T> {
    this.#record(call, max);
    await this.onCall?.(call);
    const fault = this.faults.find(
      (f) => f.action === call.action && (f.times ?? 1) > 0 && (f.match?.(call.ids) ?? true),
    );
    if (fault === undefined) return act();
    fault.times = (fault.times ?? 1) - 1;
    if (fault.applied) act();
    throw fault.error;
  }

  #meanwhile(id: string): Required<FakeInstance> | undefined {
    const i = this.instances.get(id);
    const role = this.concurrently.get(id);
    if (i !== undefined && role !== undefined) {
      i.role = role;
      this.concurrently.delete(id);
    }
    return i;
  }

  #record(call: FakeCall, max: number): void {
    if (call.ids.length === 0 || call.ids.length > max) {
      throw new RangeError(`${call.action}: expected 1–${max} instance ids, got ${call.ids.length}`);
    }
    this.calls.push(call);
  }
}

const failure = (instanceId: string, code: string) => ({
  instanceId,
  ok: false,
  code,
  message: `failed: ${code}`,
});

/** A run context on a fake clock: sleeping advances it, so retries are exact and instant. */
export function fakeContext(gateway: EcsGateway, policy: Policy, maxAttempts = 3): RunContext {
  let now = 1_000_000;
  const clock = () => now;
  return {
    gateway,
    policy,
    deadline: new Deadline(now + 60_000, clock),
    retry: { maxAttempts, backoff: { baseMs: 100, capMs: 1_000 } },
    ecsLimit: pLimit(4),
    newInstanceGraceMs: 300_000,
    now: clock,
    fcRequestId: 'fc-req-1',
    logger: createLogger({ level: 'silent' }),
    sleep: async (ms) => {
      now += ms;
    },
    random: () => 0.5,
  };
}

export const stateChangeRef = (instanceId: string): InstanceRef => ({
  regionId: REGION,
  instanceId,
  reason: 'state-change',
  eventId: `evt-${instanceId}`,
  eventType: 'ecs:Instance:StateChange',
});

export const policy = (overrides: Partial<Policy> = {}): Policy => ({
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole', 'EcsPaymentsRole'],
  rules: [
    {
      name: 'payments',
      when: { tags: { team: { kind: 'equals', value: 'payments' } } },
      effect: { kind: 'role', role: 'EcsPaymentsRole' },
    },
  ],
  ...overrides,
});

/** `i-bp1` + a family + a zero-padded number, like real ids. */
export const idsOf = (family: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `i-bp1${family}${String(i + 1).padStart(17 - family.length, '0')}`);

/** Outcome, role and previous role per instance, for comparing runs. */
export const outcomes = (
  results: { instanceId: string; outcome: string; role?: string; previousRole?: string }[],
) => results.map((r) => [r.instanceId, r.outcome, r.role, r.previousRole]);
