import { callOptions, retryOptions } from '../attach/call-options.js';
import { type ReconcileResult, reconcileListed } from '../attach/reconcile.js';
import type { RunContext } from '../attach/run-context.js';
import type { InstanceState } from '../ecs/ecs-gateway.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import { OperationError, type StopReason, withRetry } from '../retry/retry.js';
import { shouldStartPage } from './sweep-cursor.js';

/** `source.eventType` of the sweep's dead-letter records (its references' `eventType`). */
export const SWEEP_EVENT_TYPE = 'ram-role-attacher:Sweep';

/** Pages worked on at once: listing one while the ones before read roles and write keeps every budget busy. */
export const DEFAULT_PAGES_IN_FLIGHT = 3;

export interface WalkRegionOptions {
  /** The engine's context: the gateway (rate-limited for the sweep), the policy, the deadline, retries. */
  ctx: RunContext;
  regionId: string;
  /** The account the region is walked in (the context's gateway has its credentials): its references carry it. */
  accountId?: string;
  /** Where to start: a page's `NextToken`, or `null` for the region's first page. */
  startToken: string | null;
  /** Names the walk in the references (`eventId`), so dead-letter records say which sweep found them. */
  sweepId: string;
  /** `false` (plan): decide and report each instance's action, write nothing (the policy runs as dry-run). */
  writes: boolean;
  pagesInFlight?: number;
  /** Each page once reconciled, in listing order per page; may dead-letter, count, print. A throw stops the walk. */
  onPage: (page: WalkedPage) => Promise<void>;
  /** Whether to list another page; default: `shouldStartPage` against the context's deadline. */
  mayStartPage?: (state: { slowestPageMs: number; pagesInFlight: number }) => boolean;
}

export interface WalkedPage {
  regionId: string;
  accountId?: string;
  /** The token that listed this page (`null`: the first). */
  token: string | null;
  nextToken: string | null;
  instances: readonly InstanceState[];
  result: ReconcileResult;
}

export type WalkOutcome =
  /** The region was listed to its last page, and every page reconciled. */
  | { kind: 'done'; pages: number }
  /** Stopped at a page boundary (the deadline is near): go on from `nextToken`. Every page before it is done. */
  | { kind: 'stopped'; nextToken: string | null; pages: number }
  /** Listing the page at `token` failed for good; the pages before it are done. */
  | { kind: 'listing-failed'; token: string | null; info: ErrorInfo; stoppedBy: StopReason; pages: number };

/**
 * Walks one region page by page (`DescribeInstances`, `MaxResults` 100, `NextToken`) through the engine of an
 * event invocation: each page's roles are read in 50s, decided, planned and written by `reconcileListed`, the
 * same code an event's instances go through. Stops only at a page boundary. Shared by the function's sweep and
 * the operator CLI's `plan` (`writes: false`) and `apply`.
 */
export async function walkRegion(options: WalkRegionOptions): Promise<WalkOutcome> {
  const { regionId, writes } = options;
  const ctx: RunContext = writes
    ? options.ctx
    : { ...options.ctx, policy: { ...options.ctx.policy, mode: 'dry-run' } };
  const limit = Math.max(1, options.pagesInFlight ?? DEFAULT_PAGES_IN_FLIGHT);
  const mayStart =
    options.mayStartPage ??
    ((s: { slowestPageMs: number; pagesInFlight: number }) =>
      shouldStartPage({ remainingMs: ctx.deadline.remainingMs(), ...s }));

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let slowestPageMs = 0;
  let pages = 0;
  let token = options.startToken;
  let outcome: WalkOutcome | undefined;

  while (outcome === undefined) {
    while (inFlight.size >= limit && failure === undefined) await Promise.race(inFlight);
    if (failure !== undefined) break;
    if (!mayStart({ slowestPageMs, pagesInFlight: inFlight.size })) {
      outcome = { kind: 'stopped', nextToken: token, pages };
      break;
    }
    const startedAt = ctx.now();
    let listed: { instances: InstanceState[]; nextToken: string | null };
    try {
      listed = await withRetry(
        () => ctx.ecsLimit(() => ctx.gateway.listInstances(regionId, token, callOptions(ctx))),
        retryOptions(ctx),
      );
    } catch (error) {
      if (!(error instanceof OperationError)) throw error;
      outcome = { kind: 'listing-failed', token, info: error.info, stoppedBy: error.stoppedBy, pages };
      break;
    }
    const pageToken = token;
    const work = reconcilePage(ctx, options, pageToken, listed)
      .then(() => {
        slowestPageMs = Math.max(slowestPageMs, ctx.now() - startedAt);
        pages++;
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
    token = listed.nextToken;
    if (token === null) outcome = { kind: 'done', pages: 0 };
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return outcome === undefined ? { kind: 'stopped', nextToken: token, pages } : { ...outcome, pages };
}

async function reconcilePage(
  ctx: RunContext,
  options: WalkRegionOptions,
  token: string | null,
  listed: { instances: InstanceState[]; nextToken: string | null },
): Promise<void> {
  const { regionId } = options;
  // A listing may repeat an id (pages shift as instances come and go); each instance is reconciled once a page.
  const unique = [...new Map(listed.instances.map((i) => [i.instanceId, i])).values()];
  const refs: InstanceRef[] = unique.map((instance) => ({
    regionId,
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    instanceId: instance.instanceId,
    reason: 'sweep',
    eventId: options.sweepId,
    eventType: SWEEP_EVENT_TYPE,
  }));
  const result = await reconcileListed(ctx, regionId, unique, refs);
  await options.onPage({
    regionId,
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    token,
    nextToken: listed.nextToken,
    instances: unique,
    result,
  });
}
