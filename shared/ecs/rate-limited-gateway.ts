import { AppError } from '../errors/app-error.js';
import { describeError } from '../errors/classify.js';
import type { Deadline } from '../retry/deadline.js';
import type {
  CallOptions,
  EcsAction,
  EcsGateway,
  InstancePage,
  InstanceState,
  RolePage,
  WriteResult,
} from './ecs-gateway.js';
import type { RateLimiter } from './rate-limiter.js';

export type { EcsAction } from './ecs-gateway.js';

/**
 * The budget's key: the action in the region, and with `scope` (an account id) in that account: ECS limits each
 * account separately, so one account's throttling must not slow another's calls.
 */
export const rateKey = (regionId: string, action: EcsAction, scope?: string): string =>
  scope === undefined ? `${regionId}/${action}` : `${scope}/${regionId}/${action}`;

/** The wait for our own rate budget would pass the deadline: retryable, and not a sign of throttling. */
export class RateBudgetError extends AppError {
  readonly key: string;

  constructor(key: string, waitMs: number) {
    super(
      'RateBudget.DeadlineExceeded',
      `${key}: the rate budget's next slot (in ${waitMs} ms) is past the deadline`,
      {
        errorClass: 'retryable',
      },
    );
    this.key = key;
  }
}

/**
 * An `EcsGateway` whose every call first takes a slot of its action's budget (`RateLimiter`), and reports
 * throttling back to it, so the limiter backs off. The engine above it is unchanged: it sees slower calls.
 */
export class RateLimitedEcsGateway implements EcsGateway {
  readonly #inner: EcsGateway;
  readonly #limiter: RateLimiter;
  readonly #deadline: Deadline | undefined;
  readonly #scope: string | undefined;

  /** `scope`: the account whose budget the calls take (its own key space in `limiter`); none: one space. */
  constructor(inner: EcsGateway, limiter: RateLimiter, deadline?: Deadline, scope?: string) {
    this.#inner = inner;
    this.#limiter = limiter;
    this.#deadline = deadline;
    this.#scope = scope;
  }

  budgetWaitMs(regionId: string, action: EcsAction): number {
    return this.#limiter.waitMs(rateKey(regionId, action, this.#scope));
  }

  describeInstances(
    regionId: string,
    ids: readonly string[],
    options: CallOptions,
  ): Promise<InstanceState[]> {
    return this.#call(regionId, 'DescribeInstances', options, (o) =>
      this.#inner.describeInstances(regionId, ids, o),
    );
  }

  listInstances(regionId: string, nextToken: string | null, options: CallOptions): Promise<InstancePage> {
    return this.#call(regionId, 'DescribeInstances', options, (o) =>
      this.#inner.listInstances(regionId, nextToken, o),
    );
  }

  describeInstanceRoles(
    regionId: string,
    ids: readonly string[],
    pageNumber: number,
    options: CallOptions,
  ): Promise<RolePage> {
    return this.#call(regionId, 'DescribeInstanceRamRole', options, (o) =>
      this.#inner.describeInstanceRoles(regionId, ids, pageNumber, o),
    );
  }

  attachRole(
    regionId: string,
    role: string,
    ids: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult> {
    return this.#call(regionId, 'AttachInstanceRamRole', options, (o) =>
      this.#inner.attachRole(regionId, role, ids, o),
    );
  }

  detachRole(
    regionId: string,
    role: string,
    ids: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult> {
    return this.#call(regionId, 'DetachInstanceRamRole', options, (o) =>
      this.#inner.detachRole(regionId, role, ids, o),
    );
  }

  async #call<T>(
    regionId: string,
    action: EcsAction,
    options: CallOptions,
    call: (options: CallOptions) => Promise<T>,
  ): Promise<T> {
    const key = rateKey(regionId, action, this.#scope);
    const wait = this.#limiter.waitMs(key);
    if (this.#deadline?.wouldPass(wait)) throw new RateBudgetError(key, wait);
    const waited = await this.#limiter.acquire(key);
    try {
      return await call({ timeoutMs: Math.max(1, options.timeoutMs - waited) });
    } catch (error) {
      const info = describeError(error);
      if (info.code.includes('Throttling')) this.#limiter.throttled(key, info.retryAfterMs);
      throw error;
    }
  }
}
