import type MNSClient from '@alicloud/mns/lib/client.js';
import type { AlertGroup } from '../../shared/alerts/alert-group.js';
import { groupFailures } from '../../shared/alerts/group-failures.js';
import type { InstanceOutcome, Summary } from '../../shared/attach/outcomes.js';
import {
  type DeadLetterMessage,
  readDeadLetterMessage,
} from '../../shared/dead-letter/dead-letter-message.js';
import { DEAD_LETTER_KINDS, recordInstanceIds } from '../../shared/dead-letter/dead-letter-record.js';
import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';

/** What `--kind` can select: a dead-letter record's kind, an FC onFailure record, or a message no one can read. */
export const REDRIVE_KINDS = [...DEAD_LETTER_KINDS, 'fc-failure', 'unreadable'] as const;
export type RedriveKind = (typeof REDRIVE_KINDS)[number];

export interface RedriveFilter {
  /** Error code (a dead-letter record's `error.code`, an FC record's `condition`). */
  code?: string;
  kind?: RedriveKind;
  /** Only records at least this old, ms. */
  olderThanMs?: number;
}

export interface RedriveOptions {
  mns: MNSClient;
  /** The queue that retains failures (subscribed to the failure topic). */
  queue: string;
  invoker: FunctionInvoker;
  functionName: string;
  filter: RedriveFilter;
  /** Replay at most this many matching messages. */
  max: number;
  dryRun: boolean;
  /** Sends PagerDuty `resolve` for groups that are now fixed (when PagerDuty is configured). */
  resolve?: (groups: AlertGroup[]) => Promise<void>;
  onProgress?: (progress: RedriveProgress) => void;
  now?: () => number;
  /** How long a held message stays invisible between extensions; default 60 s. */
  holdSeconds?: number;
}

export interface RedriveProgress {
  scanned: number;
  matched: number;
  replayed: number;
  fixed: number;
  stillFailing: number;
}

export interface ListedRecord {
  kind: string;
  code: string;
  instanceId?: string;
  regionId?: string;
  at?: string;
  /** What happened, or would happen with --dry-run. */
  action:
    | 'would-replay'
    | 'fixed'
    /** An FC failure record whose event the function has now handled; its failing instances have their own records. */
    | 'superseded'
    | 'still-failing'
    | 'listed-poison'
    | 'listed-unreadable'
    | 'skipped-filter'
    | 'error';
  detail?: string;
}

/** Distinct instances behind the counts (an instance can have several records: one per event that failed). */
export interface InstanceCounts {
  scanned: number;
  replayed: number;
  fixed: number;
  stillFailing: number;
}

export interface RedriveReport extends RedriveProgress {
  /** The same counts in instances rather than records (FC failure records, which name events, not counted). */
  instances: InstanceCounts;
  /** FC failure records deleted because the replayed event now went through, though some of its instances still
   * fail: those have their own records now (listed as `superseded`, not counted as fixed). */
  superseded: number;
  records: ListedRecord[];
  resolvedGroups: number;
  invocations: number;
}

interface Held {
  id: string;
  handle: string;
  message: DeadLetterMessage;
  /** The latest call that used or renewed `handle`; the next one waits for it (see `withHandle`). */
  pending: Promise<unknown>;
  /** Deleted, or released at the end: no further extension. */
  done: boolean;
}

/**
 * Runs `call` with the message's current receipt handle once every earlier call on it has finished.
 * ChangeMessageVisibility issues a new handle and voids the old one, so a delete or a release sent while the
 * heartbeat's extension is in flight would carry a dead handle (MNS: ReceiptHandleError).
 */
function withHandle<T>(m: Held, call: (handle: string) => Promise<T>): Promise<T> {
  const result = m.pending.then(() => call(m.handle));
  m.pending = result.catch(() => undefined);
  return result;
}

/**
 * Instances per replay invocation: the function reads ≤ 100 instances per ECS call, so this keeps one round. A
 * poison record that kept more ids than that (≤ ~1,900, see poison-records.ts) goes alone.
 */
const REPLAY_BATCH = 100;
const RECEIVE_BATCH = 16;

/**
 * Replays failures from the retained queue through the deployed attach-role function (synchronously, so the
 * summary says how each instance ended) and deletes a message only when its instance is no longer failing.
 * Everything received is held invisible (and the hold extended while the work lasts), then released: kept
 * messages reappear at once for the next run or another consumer. Unreadable messages, and poison records that
 * kept no instance id, are listed, never replayed; a poison record's kept ids are replayed like any record's
 * instance (the undecodable event itself never is), and it is deleted once none of them fails. A replayed record that still fails is not written again by the function, and an FC failure
 * record whose event the function has now handled gives way to the records that run wrote for its failing
 * instances, so replays never multiply the queue.
 */
export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const now = options.now ?? Date.now;
  const holdSeconds = options.holdSeconds ?? 60;
  const report: RedriveReport = {
    scanned: 0,
    matched: 0,
    replayed: 0,
    fixed: 0,
    stillFailing: 0,
    superseded: 0,
    instances: { scanned: 0, replayed: 0, fixed: 0, stillFailing: 0 },
    records: [],
    resolvedGroups: 0,
    invocations: 0,
  };
  const instances = { scanned: new Set<string>(), replayed: new Set<string>(), fixed: new Set<string>() };
  const stillFailing = new Set<string>();
  const progress = () =>
    options.onProgress?.({
      scanned: report.scanned,
      matched: report.matched,
      replayed: report.replayed,
      fixed: report.fixed,
      stillFailing: report.stillFailing,
    });

  const held = new Map<string, Held>();
  const replayable: Held[] = [];
  let extending = false;
  const heartbeat = setInterval(
    () => {
      if (extending) return; // the previous round is still going
      extending = true;
      void extend([...held.values()]).finally(() => {
        extending = false;
      });
    },
    (holdSeconds * 1000) / 3,
  );

  async function extend(messages: Held[]): Promise<void> {
    for (const m of messages) {
      if (m.done) continue;
      await withHandle(m, async (handle) => {
        if (m.done) return;
        try {
          const changed = await options.mns.changeMessageVisibility(options.queue, handle, holdSeconds);
          if (changed.body?.ReceiptHandle) m.handle = changed.body.ReceiptHandle;
        } catch {
          // Lost the hold (expired): another consumer may see it; the outcome is still decided by the function.
        }
      });
    }
  }

  // Whether every message of the queue was seen (not cut short by --max): only then can a group be known fixed.
  let sawAll = false;
  try {
    // Receive until the queue is empty (every message seen once) or enough matched.
    let lastLook = false;
    for (;;) {
      const batch = await receive(options.mns, options.queue, held.size === 0 ? 1 : 0);
      const fresh = batch.filter((m) => !held.has(m.MessageId));
      if (fresh.length === 0) {
        sawAll = true;
        break;
      }
      for (const m of fresh) {
        const entry: Held = {
          id: m.MessageId,
          handle: m.ReceiptHandle,
          message: readDeadLetterMessage(m.MessageBody),
          pending: Promise.resolve(),
          done: false,
        };
        held.set(entry.id, entry);
        report.scanned++;
        const listed = describe(entry.message);
        count(instances.scanned, listed);
        if (
          entry.message.kind === 'unreadable' ||
          (entry.message.kind === 'record' && recordInstanceIds(entry.message.record).length === 0)
        ) {
          report.records.push({
            ...listed,
            action: entry.message.kind === 'unreadable' ? 'listed-unreadable' : 'listed-poison',
          });
        } else if (matches(listed, options.filter, now()) && report.matched < options.max) {
          report.matched++;
          replayable.push(entry);
          if (options.dryRun) {
            report.records.push({ ...listed, action: 'would-replay' });
          }
        }
      }
      progress();
      if (report.matched >= options.max && options.max > 0) {
        // One more look tells whether anything is left beyond what was taken.
        if (lastLook) break;
        lastLook = true;
      }
    }

    if (!options.dryRun) {
      const fixedMessages: DeadLetterMessage[] = [];
      for (const batch of replayBatches(replayable)) {
        const outcome = await replay(options, batch);
        report.invocations++;
        for (const { entry, result } of outcome) {
          report.replayed++;
          const listed = describe(entry.message);
          count(instances.replayed, listed);
          const deleted = result.fixed ? await remove(options, entry) : undefined;
          if (deleted === true) {
            held.delete(entry.id);
            if (result.action === 'superseded') report.superseded++;
            else {
              report.fixed++;
              count(instances.fixed, listed);
            }
            fixedMessages.push(entry.message);
            report.records.push({ ...listed, action: result.action ?? 'fixed', detail: result.detail });
          } else {
            report.stillFailing++;
            count(stillFailing, listed);
            report.records.push({
              ...listed,
              action: result.error || deleted !== undefined ? 'error' : 'still-failing',
              detail:
                deleted === undefined
                  ? result.detail
                  : `${result.detail}, but the message could not be deleted (${deleted}): kept`,
            });
          }
        }
        progress();
      }
      // Resolve a group only when none of its messages is left in the queue: not one that failed again, nor
      // one this run did not replay (filtered out, over --max, or never received because the scan stopped).
      // A group resolved too early would never page again: replays write no new records.
      const open = new Set(groupFailures([...held.values()].map((m) => m.message)).map((g) => g.key));
      const fixedGroups = sawAll ? groupFailures(fixedMessages).filter((g) => !open.has(g.key)) : [];
      if (fixedGroups.length > 0 && options.resolve) {
        await options.resolve(fixedGroups);
        report.resolvedGroups = fixedGroups.length;
      }
    }
  } finally {
    clearInterval(heartbeat);
    // An instance with one record fixed and another still failing (a later event) counts as still failing.
    for (const id of stillFailing) instances.fixed.delete(id);
    report.instances = {
      scanned: instances.scanned.size,
      replayed: instances.replayed.size,
      fixed: instances.fixed.size,
      stillFailing: stillFailing.size,
    };
    // Everything not deleted becomes visible again now, for the next run or another consumer.
    for (const m of held.values()) {
      await withHandle(m, async (handle) => {
        m.done = true;
        try {
          await options.mns.changeMessageVisibility(options.queue, handle, 1);
        } catch {
          // It reappears when its hold expires anyway.
        }
      });
    }
  }
  return report;
}

/** Adds a listed record's instance (`region/id`) to a set; records about no instance add nothing. */
function count(set: Set<string>, listed: Omit<ListedRecord, 'action'>): void {
  if (listed.kind !== 'fc-failure' && listed.instanceId !== undefined)
    set.add(`${listed.regionId ?? ''}/${listed.instanceId}`);
}

/** Deletes a held message: true, or the name of the error that kept it. */
async function remove(options: RedriveOptions, entry: Held): Promise<true | string> {
  try {
    await withHandle(entry, async (handle) => {
      await options.mns.deleteMessage(options.queue, handle);
      entry.done = true;
    });
    return true;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

async function receive(
  mns: MNSClient,
  queue: string,
  waitSeconds: number,
): Promise<MNSClient.ReceivedMessage[]> {
  try {
    return (await mns.batchReceiveMessage(queue, RECEIVE_BATCH, waitSeconds)).body ?? [];
  } catch (error) {
    if (error instanceof Error && error.name === 'MNSMessageNotExistError') return [];
    throw error;
  }
}

function describe(message: DeadLetterMessage): Omit<ListedRecord, 'action'> {
  switch (message.kind) {
    case 'record': {
      const r = message.record;
      const listed = {
        kind: r.kind,
        code: r.error.code,
        at: r.at,
        ...(r.regionId ? { regionId: r.regionId } : {}),
      };
      if (r.kind !== 'poison') return { ...listed, instanceId: r.instanceId };
      const ids = r.instanceIds ?? [];
      if (ids.length === 0) return listed;
      const part = r.part === undefined ? '' : ` (part ${r.part.index} of ${r.part.count})`;
      return { ...listed, detail: `the undecodable event named ${ids.length} instances${part}` };
    }
    case 'fc-failure': {
      return {
        kind: 'fc-failure',
        code: message.record.condition ?? message.record.functionError ?? 'FunctionFailed',
        ...(message.record.at === undefined ? {} : { at: message.record.at }),
      };
    }
    case 'unreadable':
      return { kind: 'unreadable', code: 'UnreadableRecord', detail: message.reason };
  }
}

function matches(listed: Omit<ListedRecord, 'action'>, filter: RedriveFilter, now: number): boolean {
  if (filter.code !== undefined && listed.code !== filter.code) return false;
  if (filter.kind !== undefined && listed.kind !== filter.kind) return false;
  if (filter.olderThanMs !== undefined) {
    const at = listed.at === undefined ? Number.NaN : Date.parse(listed.at);
    if (!(now - at >= filter.olderThanMs)) return false;
  }
  return true;
}

/**
 * Dead-letter records go together (≤ 100 instances an invocation); an FC failure record replays its own event
 * alone.
 */
function* replayBatches(entries: readonly Held[]): Generator<Held[]> {
  let batch: Held[] = [];
  let instances = 0;
  for (const e of entries) {
    if (e.message.kind !== 'record') continue;
    const weight = recordInstanceIds(e.message.record).length;
    if (batch.length > 0 && instances + weight > REPLAY_BATCH) {
      yield batch;
      batch = [];
      instances = 0;
    }
    batch.push(e);
    instances += weight;
  }
  if (batch.length > 0) yield batch;
  for (const e of entries) if (e.message.kind === 'fc-failure') yield [e];
}

interface ReplayResult {
  fixed: boolean;
  error?: boolean;
  /** How a deleted message is listed when not simply `fixed`. */
  action?: 'superseded';
  detail: string;
}

async function replay(
  options: RedriveOptions,
  batch: Held[],
): Promise<{ entry: Held; result: ReplayResult }[]> {
  const first = batch[0];
  const payload =
    first?.message.kind === 'fc-failure'
      ? Buffer.from(first.message.record.requestPayload, 'utf8')
      : Buffer.from(
          JSON.stringify(batch.map((e) => (e.message.kind === 'record' ? e.message.record : null))),
          'utf8',
        );
  const answer = await options.invoker.invoke(options.functionName, payload, { async: false });
  const summary = answer.ok ? asSummary(answer.body) : undefined;
  if (summary === undefined) {
    const detail = `the function failed (${answer.errorType ?? 'no summary in its answer'})`;
    return batch.map((entry) => ({ entry, result: { fixed: false, error: true, detail } }));
  }
  return batch.map((entry) => ({ entry, result: judge(entry.message, summary) }));
}

/**
 * Outcomes that leave the instance without the role its tags call for, and that the function reports as a
 * failure: `dead-lettered`, and `conflict` (reported only with reportConflicts; its record is kept until
 * someone settles the conflict, not dropped because the replay found the same conflict again).
 */
const failing = (r: InstanceOutcome) => r.outcome === 'dead-lettered' || r.outcome === 'conflict';

function judge(message: DeadLetterMessage, summary: Summary): ReplayResult {
  if (message.kind === 'fc-failure') {
    // The event went through this time. Its instances that still fail were handled as new events are: the
    // function wrote a record for each (they are not redrive references), and those records are what is
    // replayed from now on. Keeping the FC record would replay the event, and write them again, every run.
    const stillFailing = summary.results.filter(failing);
    return stillFailing.length === 0
      ? { fixed: true, detail: counts(summary.results) }
      : {
          fixed: true,
          action: 'superseded',
          detail: `${counts(summary.results)}; ${stillFailing.length} still failing, now in their own records`,
        };
  }
  if (message.kind !== 'record') return { fixed: false, detail: 'not replayable' };
  const { regionId } = message.record;
  const byKey = new Map(summary.results.map((r) => [`${r.regionId}/${r.instanceId}`, r]));
  const verdicts = recordInstanceIds(message.record).map((id) =>
    judgeInstance(byKey.get(`${regionId}/${id}`)),
  );
  const [only, ...others] = verdicts;
  if (only === undefined) return { fixed: false, detail: 'not replayable' };
  if (others.length === 0) return only;
  // A poison record's ids: it is fixed, and deleted, only once every one of them is.
  const open = verdicts.filter((v) => !v.fixed);
  if (open.length === 0) return { fixed: true, detail: `${verdicts.length} instances, none failing` };
  return {
    fixed: false,
    ...(open.some((v) => v.error) ? { error: true } : {}),
    detail: `${open.length} of ${verdicts.length} instances still failing, e.g. ${open[0]?.detail ?? ''}`,
  };
}

function judgeInstance(result: InstanceOutcome | undefined): ReplayResult {
  if (result === undefined)
    return { fixed: false, error: true, detail: 'the summary does not mention the instance' };
  if (result.outcome === 'conflict')
    return {
      fixed: false,
      detail: `conflict: ${result.reason ?? `has ${result.previousRole ?? 'another role'}`}`,
    };
  if (failing(result))
    return { fixed: false, detail: `${result.error?.code ?? 'failing'}: ${result.error?.message ?? ''}` };
  return { fixed: true, detail: result.outcome };
}

function counts(results: readonly InstanceOutcome[]): string {
  const n: Record<string, number> = {};
  for (const r of results) n[r.outcome] = (n[r.outcome] ?? 0) + 1;
  return (
    Object.entries(n)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'no instances'
  );
}

function asSummary(body: unknown): Summary | undefined {
  const value = typeof body === 'string' ? safeParse(body) : body;
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Summary).results))
    return undefined;
  return value as Summary;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `90s`, `10m`, `2h`, `1d` → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (match === null)
    throw new Error(
      `--older-than: expected a duration such as 90s, 10m, 2h or 1d, got ${JSON.stringify(text)}`,
    );
  return (
    Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd']
  );
}

/** The listing and the one-line summary `npm run redrive` prints. */
export function formatReport(report: RedriveReport, dryRun: boolean): string {
  const lines = report.records
    .filter((r) => r.action !== 'skipped-filter')
    .map(
      (r) =>
        `${r.action.padEnd(17)} ${r.kind.padEnd(14)} ${r.code.padEnd(32)} ${r.instanceId ?? ''} ${r.regionId ?? ''}${r.detail ? `  ${r.detail}` : ''}`,
    );
  const i = report.instances;
  const summary = dryRun
    ? `Dry run: ${report.matched} of ${report.scanned} messages (${plural(i.scanned, 'instance')}) would be replayed; nothing was changed.`
    : `Scanned ${report.scanned} messages (${plural(i.scanned, 'instance')}), replayed ${report.replayed} (${plural(i.replayed, 'instance')}) in ${report.invocations} invocations: ${report.fixed} fixed (${plural(i.fixed, 'instance')}; deleted), ${report.stillFailing} still failing (${plural(i.stillFailing, 'instance')}; kept)${report.superseded ? `, ${report.superseded} FC failure records superseded by their instances' own records (deleted)` : ''}${report.resolvedGroups ? `, ${report.resolvedGroups} PagerDuty groups resolved` : ''}.`;
  return `${[...lines, summary].join('\n')}\n`;
}
