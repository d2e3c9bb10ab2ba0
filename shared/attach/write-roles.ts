import { MAX_IDS_PER_CALL, type WriteResult } from '../ecs/ecs-gateway.js';
import { classifyCode, type ErrorInfo } from '../errors/classify.js';
import { type BatchOutcome, type ItemResult, retryBatch } from '../retry/retry-batch.js';
import type { Ledger } from './ledger.js';
import { callOptions, chunk, describeRoles, retryOptions } from './read-state.js';
import type { RunContext } from './run-context.js';

/** An instance to give `role`; `from` is set when its current role must be detached first. */
export interface RoleWrite {
  instanceId: string;
  role: string;
  rule: string;
  from?: string;
  /** Named by a recent creation event: ECS may still answer "not found" for it for a while. */
  isNew: boolean;
}

/**
 * Carries out the writes of one region: detaches (for replace) grouped by the role being removed, then one
 * AttachInstanceRamRole per role per ≤ 100 instances. Every instance ends settled in the ledger: attached,
 * replaced, already-correct, or dead-lettered with the reason.
 */
export async function writeRoles(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  writes: readonly RoleWrite[],
): Promise<void> {
  const ready: RoleWrite[] = writes.filter((w) => w.from === undefined);
  await Promise.all(
    groupBy(
      writes.filter((w) => w.from !== undefined),
      (w) => w.from as string,
    ).flatMap(([from, group]) =>
      chunk(group, MAX_IDS_PER_CALL).map(async (batch) => {
        const byId = new Map(batch.map((w) => [w.instanceId, w]));
        const outcome = await writeBatch(ctx, regionId, [...byId.keys()], {
          call: (ids) => ctx.gateway.detachRole(regionId, from, ids, callOptions(ctx)),
          // Detached means no role any more; a concurrent invocation may even have finished the replace already
          // (the attach that follows then finds it so, instead of dead-lettering a false alarm).
          isDone: (id, current) => current === null || current === byId.get(id)?.role,
          isNew: (id) => byId.get(id)?.isNew === true,
        });
        for (const id of outcome.ok.keys()) ready.push(byId.get(id) as RoleWrite);
        for (const [id, failure] of outcome.failed) {
          const w = byId.get(id) as RoleWrite;
          ledger.deadLetter(regionId, id, {
            kind: failure.stoppedBy === 'deadline' ? 'deadline' : 'attach-failed',
            info: withContext(failure.info, `could not detach ${from} to replace it with ${w.role}`),
            attempts: failure.attempts,
            desiredRole: w.role,
            currentRole: from,
            rule: w.rule,
          });
        }
      }),
    ),
  );

  await Promise.all(
    groupBy(ready, (w) => w.role).flatMap(([role, group]) =>
      chunk(group, MAX_IDS_PER_CALL).map(async (batch) => {
        const byId = new Map(batch.map((w) => [w.instanceId, w]));
        const outcome = await writeBatch(ctx, regionId, [...byId.keys()], {
          call: (ids) => ctx.gateway.attachRole(regionId, role, ids, callOptions(ctx)),
          isDone: (_id, current) => current === role,
          isNew: (id) => byId.get(id)?.isNew === true,
        });
        for (const [id, how] of outcome.ok) {
          const w = byId.get(id) as RoleWrite;
          if (w.from !== undefined && how === 'written') {
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
          const w = byId.get(id) as RoleWrite;
          if (w.from !== undefined) {
            // The old role is gone and the new one is not there: the instance has no role now. Say so.
            ledger.deadLetter(regionId, id, {
              kind: 'replace-failed',
              info: failure.info,
              attempts: failure.attempts,
              desiredRole: role,
              currentRole: null,
              previousRole: w.from,
              rule: w.rule,
            });
          } else {
            ledger.deadLetter(regionId, id, {
              kind: failure.stoppedBy === 'deadline' ? 'deadline' : 'attach-failed',
              info: failure.info,
              attempts: failure.attempts,
              desiredRole: role,
              currentRole: null,
              rule: w.rule,
            });
          }
        }
      }),
    ),
  );
}

/** `written`: our call did it; `found`: a re-read showed the instance already as wanted. */
type Done = 'written' | 'found';

interface WriteSpec {
  call: (ids: string[]) => Promise<WriteResult>;
  /** Whether an instance whose role is now `current` needs no further write. */
  isDone: (instanceId: string, current: string | null) => boolean;
  isNew: (instanceId: string) => boolean;
}

/**
 * One batch write with retries. ECS writes carry no idempotency token, so after an ambiguous failure (timeout,
 * 5xx) and after a permanent per-instance failure, the current roles are re-read: an instance that is already
 * as wanted (our earlier attempt went through, or a concurrent invocation for the same event got there first)
 * counts as done instead of being written again or dead-lettered.
 */
async function writeBatch(
  ctx: RunContext,
  regionId: string,
  ids: string[],
  spec: WriteSpec,
): Promise<BatchOutcome<Done>> {
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
  const permanent = [...outcome.failed.entries()]
    .filter(([, f]) => f.stoppedBy === 'permanent')
    .map(([id]) => id);
  if (permanent.length > 0 && !ctx.deadline.expired()) {
    try {
      for (const [id, done] of await verify(permanent)) {
        outcome.failed.delete(id);
        outcome.ok.set(id, done);
      }
    } catch {
      // The failures stand as reported; the re-read was only a chance to clear false alarms.
    }
  }
  return outcome;
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

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return [...groups.entries()];
}
