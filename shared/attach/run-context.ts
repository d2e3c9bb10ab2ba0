import type { LimitFunction } from 'p-limit';
import type { EcsGateway } from '../ecs/ecs-gateway.js';
import type { Logger } from '../logging/logger.js';
import type { Policy } from '../policy/policy.js';
import type { BackoffOptions } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';

/** Everything one reconciliation run needs, passed down explicitly (no module state). */
export interface RunContext {
  gateway: EcsGateway;
  policy: Policy;
  deadline: Deadline;
  retry: { maxAttempts: number; backoff: BackoffOptions };
  /** Bounds concurrent ECS calls of this invocation (each call still counts against per-API rate limits). */
  ecsLimit: LimitFunction;
  /** A `created` reference younger than this may not be visible in ECS yet. */
  newInstanceGraceMs: number;
  now: () => number;
  fcRequestId: string;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}
