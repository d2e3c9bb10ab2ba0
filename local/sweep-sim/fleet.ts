import {
  type CallOptions,
  type EcsGateway,
  type InstancePage,
  type InstanceState,
  MAX_IDS_PER_CALL,
  MAX_IDS_PER_ROLE_READ,
  MAX_RESULTS_PER_PAGE,
  MAX_ROLE_PAGE_SIZE,
  type RolePage,
  type WriteResult,
} from '../../shared/ecs/ecs-gateway.js';
import { AppError } from '../../shared/errors/app-error.js';
import type { VirtualTime } from './virtual-time.js';

export interface FleetInstance {
  id: string;
  region: string;
  tags: Record<string, string>;
  role: string | null;
  network?: 'vpc' | 'classic';
}

type Action =
  | 'DescribeInstances'
  | 'DescribeInstanceRamRole'
  | 'AttachInstanceRamRole'
  | 'DetachInstanceRamRole';

/** What ECS throws for flow control, as the SDK's error reaches `describeError`: a code with "Throttling". */
class ThrottlingError extends AppError {
  constructor(action: string) {
    super('Throttling.User', `Request was denied due to user flow control (${action}).`, {
      errorClass: 'retryable',
    });
  }
}

/** A token bucket per action and region on the virtual clock: `ratePerSecond`, `burst` at once. */
class Buckets {
  readonly #state = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    readonly now: () => number,
  ) {}

  take(key: string): boolean {
    const now = this.now();
    const b = this.#state.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.#state.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * A whole fleet behind `EcsGateway` on virtual time: each call takes `latencyMs`, every action is limited per
 * region (throttled beyond it, as ECS does), limits on ids are enforced as the SDK gateway enforces them, and
 * roles named in `refusedRoles` fail per instance with `InvalidRamRole.NotEcsRole`. `between` runs before each
 * write lands (another writer, e.g. an event invocation).
 */
export class Fleet implements EcsGateway {
  readonly instances = new Map<string, FleetInstance>();
  readonly #byRegion = new Map<string, string[]>();
  readonly calls = new Map<Action, number>();
  readonly successfulAttaches = new Map<string, number>();
  throttled = 0;
  readonly #buckets: Buckets;
  readonly #time: VirtualTime;
  readonly #latencyMs: number;
  readonly refusedRoles = new Set<string>();
  between?: (action: Action, ids: readonly string[]) => void;
  /** Tokens issued before this moment are refused (`InvalidParameter.NextToken`, cloud-facts SW-2, SW-3). */
  refuseTokensIssuedBefore = Number.NEGATIVE_INFINITY;
  tokensRefused = 0;

  constructor(time: VirtualTime, options: { ratePerSecond: number; burst?: number; latencyMs?: number }) {
    this.#time = time;
    this.#buckets = new Buckets(options.ratePerSecond, options.burst ?? options.ratePerSecond, time.now);
    this.#latencyMs = options.latencyMs ?? 30;
  }

  add(instance: FleetInstance): void {
    this.instances.set(instance.id, { network: 'vpc', ...instance });
    const list = this.#byRegion.get(instance.region) ?? [];
    list.push(instance.id);
    this.#byRegion.set(instance.region, list);
  }

  count(action: Action): number {
    return this.calls.get(action) ?? 0;
  }

  async describeInstances(
    regionId: string,
    ids: readonly string[],
    _o: CallOptions,
  ): Promise<InstanceState[]> {
    await this.#enter(regionId, 'DescribeInstances', ids.length, MAX_IDS_PER_CALL);
    return ids.flatMap((id) => {
      const i = this.instances.get(id);
      return i !== undefined && i.region === regionId ? [state(i)] : [];
    });
  }

  async listInstances(regionId: string, nextToken: string | null, _o: CallOptions): Promise<InstancePage> {
    await this.#enter(regionId, 'DescribeInstances', 1, 1);
    const ids = this.#byRegion.get(regionId) ?? [];
    let offset = 0;
    if (nextToken !== null) {
      const [at, issued] = nextToken.split('@').map(Number);
      if (issued === undefined || issued < this.refuseTokensIssuedBefore) {
        this.tokensRefused++;
        throw new AppError('InvalidParameter.NextToken', 'The specified parameter NextToken is not valid.', {
          errorClass: 'permanent',
          status: 400,
        });
      }
      offset = at ?? 0;
    }
    const page = ids.slice(offset, offset + MAX_RESULTS_PER_PAGE);
    const next = offset + MAX_RESULTS_PER_PAGE;
    return {
      instances: page.map((id) => state(this.#must(id))),
      nextToken: next < ids.length ? `${next}@${this.#time.now()}` : null,
    };
  }

  async describeInstanceRoles(
    regionId: string,
    ids: readonly string[],
    pageNumber: number,
    _o: CallOptions,
  ): Promise<RolePage> {
    await this.#enter(regionId, 'DescribeInstanceRamRole', ids.length, MAX_IDS_PER_ROLE_READ);
    const rows = ids.flatMap((id) => {
      const i = this.instances.get(id);
      return i === undefined ? [] : [{ instanceId: id, roleName: i.role }];
    });
    const page = rows.slice((pageNumber - 1) * MAX_ROLE_PAGE_SIZE, pageNumber * MAX_ROLE_PAGE_SIZE);
    return { rows: page, rowCount: page.length, totalCount: rows.length };
  }

  async attachRole(
    regionId: string,
    role: string,
    ids: readonly string[],
    _o: CallOptions,
  ): Promise<WriteResult> {
    await this.#enter(regionId, 'AttachInstanceRamRole', ids.length, MAX_IDS_PER_CALL);
    this.between?.('AttachInstanceRamRole', ids);
    return {
      requestId: `req-${this.count('AttachInstanceRamRole')}`,
      results: ids.map((id) => {
        const i = this.instances.get(id);
        if (i === undefined) return fail(id, 'InvalidInstanceId.NotFound');
        if (this.refusedRoles.has(role)) return fail(id, 'InvalidRamRole.NotEcsRole');
        if (i.role !== null) return fail(id, 'InvalidRamRole.AlreadyAttached');
        i.role = role;
        this.successfulAttaches.set(id, (this.successfulAttaches.get(id) ?? 0) + 1);
        return { instanceId: id, ok: true, code: '200', message: 'success' };
      }),
    };
  }

  async detachRole(
    regionId: string,
    role: string,
    ids: readonly string[],
    _o: CallOptions,
  ): Promise<WriteResult> {
    await this.#enter(regionId, 'DetachInstanceRamRole', ids.length, MAX_IDS_PER_CALL);
    return {
      requestId: 'req-detach',
      results: ids.map((id) => {
        const i = this.instances.get(id);
        if (i === undefined || i.role !== role) return fail(id, 'InvalidRamRole.Mismatch');
        i.role = null;
        return { instanceId: id, ok: true, code: '200', message: 'success' };
      }),
    };
  }

  async #enter(regionId: string, action: Action, n: number, max: number): Promise<void> {
    if (n < 1 || n > max) throw new RangeError(`${action}: expected 1–${max} ids, got ${n}`);
    if (!this.#buckets.take(`${regionId}/${action}`)) {
      this.throttled++;
      await this.#time.sleep(this.#latencyMs);
      throw new ThrottlingError(action);
    }
    this.calls.set(action, this.count(action) + 1);
    await this.#time.sleep(this.#latencyMs);
  }

  #must(id: string): FleetInstance {
    const i = this.instances.get(id);
    if (i === undefined) throw new Error(`no instance ${id}`);
    return i;
  }
}

function state(i: FleetInstance): InstanceState {
  return {
    instanceId: i.id,
    regionId: i.region,
    status: 'Running',
    networkType: i.network ?? 'vpc',
    tags: { ...i.tags },
  };
}

const fail = (instanceId: string, code: string) => ({ instanceId, ok: false, code, message: code });
