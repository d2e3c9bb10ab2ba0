import { chunk, groupBy } from '../collections/chunk.js';
import { must } from '../collections/must.js';
import { type InstanceState, MAX_IDS_PER_CALL, type WriteResult } from '../ecs/ecs-gateway.js';
import { classifyCode, type ErrorInfo, isDocumentedPermanent } from '../errors/classify.js';
import { type BatchOutcome, type ItemFailure, type ItemResult, retryBatch } from '../retry/retry-batch.js';
import { callOptions, retryOptions } from './call-options.js';
import { describeRoles } from './describe-roles.js';
import { failureKind, type Ledger } from './ledger.js';
import { type Plan, planInstance } from './plan.js';
import type { RunContext } from './run-context.js';
import { settlePlan } from './settle-plan.js';

/** The write a plan calls for; `replace` detaches `from` first. */
export type RoleWrite = AttachWrite | ReplaceWrite;

interface WriteBase {
  /** The instance as it was read (planning again after a surprise needs its status and network). */
  instance: InstanceState;
  role: string;
  rule: string;
}

export interface AttachWrite extends WriteBase {
  kind: 'attach';
  /** Named by a recent creation event: ECS may still answer "not found" for it for a while. */
  isNew: boolean;
  /**
   * Its role was not read (attach-first, for brand-new instances): planned as having none. If the attach fails
   * and a re-read finds no role, the failure may have been the call's, caused by another instance in it
   * (cloud-facts ECS-14), so it is attached once more, now as a read instance.
   */
  unread: boolean;
}

export interface ReplaceWrite extends WriteBase {
  kind: 'replace';
  from: string;
  /** Planned again once already, after a write found a role the read had not shown: not a second time. */
  replanned: boolean;
}

/** The plans that need a write. */
export type WritePlan = Extract<Plan, { kind: 'attach' | 'replace' }>;

/**
 * Pure: the write for a plan. A replace is never of a new instance: ECS showed it holding a role, so it is
 * visible, and "not found" means what it says.
 */
export function roleWrite(
  instance: InstanceState,
  plan: WritePlan,
  how: { isNew: boolean; unread?: boolean; replanned?: boolean },
): RoleWrite {
  const { role, rule } = plan;
  return plan.kind === 'attach'
    ? { kind: 'attach', instance, role, rule, isNew: how.isNew, unread: how.unread ?? false }
    : { kind: 'replace', instance, role, rule, from: plan.from, replanned: how.replanned ?? false };
}

const isNewInstance = (w: RoleWrite): boolean => w.kind === 'attach' && w.isNew;
const wasReplanned = (w: RoleWrite): boolean => w.kind === 'replace' && w.replanned;

/**
 * Carries out the writes of one region: detaches (for replace) grouped by the role being removed, then one
 * AttachInstanceRamRole per role per ≤ 100 instances. Every instance ends settled in the ledger: attached,
 * replaced, already-correct, conflict (a role appeared meanwhile), or dead-lettered with the reason.
 */
export async function writeRoles(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  writes: readonly RoleWrite[],
): Promise<void> {
  // The attaches, then the replaces whose detach went through, in the order they finished.
  const ready: RoleWrite[] = writes.filter((w) => w.kind === 'attach');
  const replaces = writes.filter((w): w is ReplaceWrite => w.kind === 'replace');
  const detachReplans = await detachPhase(ctx, ledger, regionId, replaces, ready);
  const attached = await attachPhase(ctx, ledger, regionId, ready);
  const replans = [...detachReplans, ...attached.replans];
  await Promise.all([
    replans.length > 0 ? replan(ctx, ledger, regionId, replans) : undefined,
    attached.again.length > 0 ? writeRoles(ctx, ledger, regionId, attached.again) : undefined,
  ]);
}

/**
 * Detaches `from` from every replace, one DetachInstanceRamRole per role per ≤ 100 instances. Those detached go
 * on to `ready` for the attach phase; those that failed are dead-lettered, or returned to be planned again when
 * the failure showed a third role.
 */
async function detachPhase(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  replaces: readonly ReplaceWrite[],
  ready: RoleWrite[],
): Promise<Replan[]> {
  const replans: Replan[] = [];
  await Promise.all(
    groupBy(replaces, (w) => w.from).flatMap(([from, group]) =>
      chunk(group, MAX_IDS_PER_CALL).map(async (batch) => {
        const byId = new Map(batch.map((w) => [w.instance.instanceId, w]));
        const outcome = await writeBatch(ctx, regionId, [...byId.keys()], {
          call: (ids) => ctx.gateway.detachRole(regionId, from, ids, callOptions(ctx)),
          // Detached means no role any more; a concurrent invocation may even have finished the replace already
          // (the attach that follows then finds it so, instead of dead-lettering a false alarm).
          isDone: (id, current) => current === null || current === must(byId, id).role,
          isNew: (id) => isNewInstance(must(byId, id)),
        });
        for (const id of outcome.ok.keys()) ready.push(must(byId, id));
        for (const [id, failure] of outcome.failed) {
          const w = must(byId, id);
          const current = outcome.current.get(id);
          // Still holding `from` is an ordinary failure; a third role appeared meanwhile: plan again.
          if (current !== undefined && current !== null && current !== from && !wasReplanned(w)) {
            replans.push({ write: w, current });
            continue;
          }
          ledger.deadLetter(regionId, id, {
            kind: failureKind(failure),
            info: withContext(failure.info, `could not detach ${from} to replace it with ${w.role}`),
            attempts: failure.attempts,
            desiredRole: w.role,
            currentRole: current ?? from,
            rule: w.rule,
          });
        }
      }),
    ),
  );
  return replans;
}

/**
 * Attaches the role of every write in `ready` (attaches, and replaces whose detach went through), one
 * AttachInstanceRamRole per role per ≤ 100 instances, and settles each; returns those to plan again, and the
 * unread attaches to write once more.
 */
async function attachPhase(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  ready: readonly RoleWrite[],
): Promise<{ replans: Replan[]; again: AttachWrite[] }> {
  const replans: Replan[] = [];
  const again: AttachWrite[] = [];
  await Promise.all(
    groupBy(ready, (w) => w.role).flatMap(([role, group]) =>
      chunk(group, MAX_IDS_PER_CALL).map(async (batch) => {
        const byId = new Map(batch.map((w) => [w.instance.instanceId, w]));
        const outcome = await writeBatch(ctx, regionId, [...byId.keys()], {
          call: (ids) => ctx.gateway.attachRole(regionId, role, ids, callOptions(ctx)),
          isDone: (_id, current) => current === role,
          isNew: (id) => isNewInstance(must(byId, id)),
        });
        for (const [id, how] of outcome.ok) {
          const w = must(byId, id);
          ctx.recentWrites?.note(regionId, id, ctx.now());
          if (w.kind === 'replace' && how === 'written') {
            ledger.settle(regionId, id, { outcome: 'replaced', role, previousRole: w.from, rule: w.rule });
          } else {
            ledger.settle(regionId, id, {
              outcome: how === 'written' ? 'attached' : 'already-correct',
              role,
              rule: w.rule,
            });
          }
        }
        for (const [id, failure] of outcome.failed) {
          const w = must(byId, id);
          const current = outcome.current.get(id);
          // The instance has a role the read did not show (it appeared meanwhile, or ECS refused because of
          // it, under whatever code: cloud-facts ECS-16): decide again from the truth, as the first plan would.
          if (current !== undefined && current !== null && !wasReplanned(w)) {
            replans.push({ write: w, current });
            continue;
          }
          // Re-read with no role, never read before: now it is known to have none, so it gets a read one's try.
          if (current === null && w.kind === 'attach' && w.unread) {
            again.push({ ...w, unread: false });
            continue;
          }
          deadLetterAttach(ledger, regionId, w, failure, current ?? null);
        }
      }),
    ),
  );
  return { replans, again };
}

/** An instance whose write found it holding `current`, a role the plan was not made for. */
interface Replan {
  write: RoleWrite;
  current: string;
}

/** Plans again with the role the instance really has (the same `planInstance` as the first plan), then writes. */
async function replan(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  replans: readonly Replan[],
): Promise<void> {
  const again: RoleWrite[] = [];
  for (const { write: w, current } of replans) {
    const plan = planInstance(ctx.policy, w.instance, current, {
      action: 'attach',
      role: w.role,
      rule: w.rule,
    });
    const id = w.instance.instanceId;
    if (plan.kind === 'done') settlePlan(ledger, regionId, id, plan, current);
    else if (plan.kind === 'replace')
      again.push(roleWrite(w.instance, plan, { isNew: false, replanned: true }));
    else {
      // `attach` needs no role present, but one is: cannot happen; say so rather than loop.
      ledger.deadLetter(regionId, id, {
        kind: 'attach-failed',
        info: {
          code: 'UnexpectedPlan',
          message: `planned an attach for an instance holding ${current}`,
          errorClass: 'permanent',
          uncertain: false,
        },
        attempts: 0,
        desiredRole: w.role,
        currentRole: current,
        rule: w.rule,
      });
    }
  }
  if (again.length > 0) await writeRoles(ctx, ledger, regionId, again);
}

function deadLetterAttach(
  ledger: Ledger,
  regionId: string,
  w: RoleWrite,
  failure: ItemFailure,
  current: string | null,
): void {
  const id = w.instance.instanceId;
  if (w.kind === 'replace') {
    // The old role is gone and the new one is not there: the instance has no role now. Say so.
    ledger.deadLetter(regionId, id, {
      kind: 'replace-failed',
      info: failure.info,
      attempts: failure.attempts,
      desiredRole: w.role,
      currentRole: current,
      previousRole: w.from,
      rule: w.rule,
    });
  } else {
    ledger.deadLetter(regionId, id, {
      kind: failureKind(failure),
      info: failure.info,
      attempts: failure.attempts,
      desiredRole: w.role,
      currentRole: current,
      rule: w.rule,
    });
  }
}

/** `written`: our call did it; `found`: a re-read showed the instance already as wanted. */
type Done = 'written' | 'found';

interface WriteSpec {
  call: (ids: string[]) => Promise<WriteResult>;
  /** Whether an instance whose role is now `current` needs no further write. */
  isDone: (instanceId: string, current: string | null) => boolean;
  isNew: (instanceId: string) => boolean;
}

interface WriteOutcome extends BatchOutcome<Done> {
  /** The role re-read after a failure (`null`: none), for failed instances whose role was re-read. */
  current: Map<string, string | null>;
}

/**
 * One batch write with retries. ECS writes carry no idempotency token (cloud-facts ECS-19), so after an ambiguous
 * failure (timeout, 5xx) the current roles are re-read before writing again. After the retries, every failure
 * whose code the documentation does not explain (ECS-15) is re-read too: an instance already as wanted (our
 * earlier attempt went through, or a concurrent invocation got there first) counts as done, and the role found
 * on the others goes back to the caller, which decides from it instead of from the code.
 */
async function writeBatch(
  ctx: RunContext,
  regionId: string,
  ids: string[],
  spec: WriteSpec,
): Promise<WriteOutcome> {
  const verify = async (pending: string[]): Promise<Map<string, Done>> => {
    const roles = await describeRoles(ctx, regionId, pending);
    return new Map(
      pending.filter((id) => spec.isDone(id, roles.get(id) ?? null)).map((id) => [id, 'found' as const]),
    );
  };
  const outcome = await retryBatch<Done>(
    ids,
    async (pending) => {
      const { requestId, results } = await ctx.ecsLimit(() => spec.call(pending));
      return new Map(
        results.map((r): [string, ItemResult<Done>] => [
          r.instanceId,
          r.ok
            ? { ok: true, value: 'written' }
            : { ok: false, info: itemError(r.code, r.message, requestId, spec.isNew(r.instanceId)) },
        ]),
      );
    },
    { ...retryOptions(ctx), verify },
  );
  const current = new Map<string, string | null>();
  const reread = [...outcome.failed.entries()]
    .filter(([, f]) => f.stoppedBy !== 'deadline' && !isDocumentedPermanent(f.info.code))
    .map(([id]) => id);
  if (reread.length > 0 && !ctx.deadline.expired()) {
    try {
      const roles = await describeRoles(ctx, regionId, reread);
      for (const id of reread) {
        const role = roles.get(id) ?? null;
        if (spec.isDone(id, role)) {
          outcome.failed.delete(id);
          outcome.ok.set(id, 'found');
        } else {
          current.set(id, role);
        }
      }
    } catch {
      // The failures stand as reported; the re-read was only a chance to learn what really happened.
    }
  }
  return { ...outcome, current };
}

function itemError(code: string, message: string, requestId: string, instanceIsNew: boolean): ErrorInfo {
  const info: ErrorInfo = {
    code,
    message: message || code,
    errorClass: classifyCode(code, { instanceIsNew }),
    uncertain: code === 'NoResult',
  };
  if (requestId) info.requestId = requestId;
  return info;
}

function withContext(info: ErrorInfo, context: string): ErrorInfo {
  return { ...info, message: `${context}: ${info.message}` };
}
