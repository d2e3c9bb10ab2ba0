import type { LimitFunction } from 'p-limit';
import type { EcsGateway } from '../ecs/ecs-gateway.js';
import type { Logger } from '../logging/logger.js';
import type { Policy } from '../policy/policy.js';
import type { BackoffOptions } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';
import type { AccessFor } from './account-access.js';
import type { RecentWrites } from './recent-writes.js';

/** Everything one reconciliation run needs, passed down explicitly (no module state; `recentWrites` is the handler's). */
export interface RunContext {
  /** ECS with the function's own credentials: every account's, unless `accessFor` says otherwise. */
  gateway: EcsGateway;
  /** Many accounts: each account's gateway, or why it has none (`account-access.ts`). */
  accessFor?: AccessFor;
  policy: Policy;
  deadline: Deadline;
  retry: { maxAttempts: number; backoff: BackoffOptions };
  /** Bounds concurrent ECS calls of this invocation (each call still counts against per-API rate limits). */
  ecsLimit: LimitFunction;
  /** A `created` reference younger than this may not be visible in ECS yet. */
  newInstanceGraceMs: number;
  /** Instances this FC instance lately saw as wanted: read before writing even when brand-new (the handler's). */
  recentWrites?: RecentWrites;
  now: () => number;
  fcRequestId: string;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}
