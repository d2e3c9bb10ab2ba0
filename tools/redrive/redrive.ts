import type MNSClient from '@alicloud/mns/lib/client.js';
import type { AlertGroup } from '../../shared/alerts/alert-group.js';
import { groupFailures } from '../../shared/alerts/group-failures.js';
import type { InstanceOutcome, Summary } from '../../shared/attach/outcomes.js';
import {
  type DeadLetterMessage,
  readDeadLetterMessage,
} from '../../shared/dead-letter/dead-letter-message.js';
import type { FunctionInvoker } from '../fc/function-invoker.js';

export interface RedriveFilter {
  /** Error code (a dead-letter record's `error.code`, an FC record's `condition`). */
  code?: string;
  /** Dead-letter kind, or `fc-failure`. */
  kind?: string;
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
    | 'still-failing'
    | 'listed-poison'
    | 'listed-unreadable'
    | 'skipped-filter'
    | 'error';
  detail?: string;
}

export interface RedriveReport extends RedriveProgress {
  records: ListedRecord[];
  resolvedGroups: number;
  invocations: number;
}

interface Held {
  id: string;
  handle: string;
  message: DeadLetterMessage;
}

/** Records per replay invocation: the function reads ≤ 100 instances per ECS call, so this keeps one round. */
const REPLAY_BATCH = 100;
const RECEIVE_BATCH = 16;

/**
 * Replays failures from the retained queue through the deployed attach-role function (synchronously, so the
 * summary says how each instance ended) and deletes a message only when its instance is no longer failing.
 * Everything received is held invisible (and the hold extended while the work lasts), then released: kept
 * messages reappear at once for the next run or another consumer. Poison and unreadable messages are listed,
 * never replayed. A replayed record that still fails is not written again by the function, so replays never
 * multiply the queue.
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
    records: [],
    resolvedGroups: 0,
    invocations: 0,
  };
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
  const heartbeat = setInterval(() => void extend([...held.values()]), (holdSeconds * 1000) / 3);

  async function extend(messages: Held[]): Promise<void> {
    for (const m of messages) {
      try {
        const changed = await options.mns.changeMessageVisibility(options.queue, m.handle, holdSeconds);
        if (changed.body?.ReceiptHandle) m.handle = changed.body.ReceiptHandle;
      } catch {
        // Lost the hold (expired): another consumer may see it; the outcome is still decided by the function.
      }
    }
  }

  try {
    // Receive until the queue is empty, every message was seen once, or enough matched.
    for (;;) {
      const batch = await receive(options.mns, options.queue, held.size === 0 ? 1 : 0);
      const fresh = batch.filter((m) => !held.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        const entry: Held = {
          id: m.MessageId,
          handle: m.ReceiptHandle,
          message: readDeadLetterMessage(m.MessageBody),
        };
        held.set(entry.id, entry);
        report.scanned++;
        const listed = describe(entry.message);
        if (
          entry.message.kind === 'unreadable' ||
          (entry.message.kind === 'record' && entry.message.record.kind === 'poison')
        ) {
          report.records.push({
            ...listed,
            action: entry.message.kind === 'unreadable' ? 'listed-unreadable' : 'listed-poison',
          });
        } else if (!matches(listed, options.filter, now()) || report.matched >= options.max) {
        } else {
          report.matched++;
          replayable.push(entry);
          if (options.dryRun) {
            report.records.push({ ...listed, action: 'would-replay' });
          }
        }
      }
      progress();
      if (report.matched >= options.max && options.max > 0) break;
    }

    if (!options.dryRun) {
      const fixedMessages: DeadLetterMessage[] = [];
      const failingMessages: DeadLetterMessage[] = [];
      for (const batch of replayBatches(replayable)) {
        const outcome = await replay(options, batch);
        report.invocations++;
        for (const { entry, result } of outcome) {
          report.replayed++;
          const listed = describe(entry.message);
          if (result.fixed) {
            await options.mns.deleteMessage(options.queue, entry.handle);
            held.delete(entry.id);
            report.fixed++;
            fixedMessages.push(entry.message);
            report.records.push({ ...listed, action: 'fixed', detail: result.detail });
          } else {
            report.stillFailing++;
            failingMessages.push(entry.message);
            report.records.push({
              ...listed,
              action: result.error ? 'error' : 'still-failing',
              detail: result.detail,
            });
          }
        }
        progress();
      }
      // Resolve a group only when nothing of it failed again in this run.
      const stillFailing = new Set(groupFailures(failingMessages).map((g) => g.key));
      const fixedGroups = groupFailures(fixedMessages).filter((g) => !stillFailing.has(g.key));
      if (fixedGroups.length > 0 && options.resolve) {
        await options.resolve(fixedGroups);
        report.resolvedGroups = fixedGroups.length;
      }
    }
  } finally {
    clearInterval(heartbeat);
    // Everything not deleted becomes visible again now, for the next run or another consumer.
    for (const m of held.values()) {
      try {
        await options.mns.changeMessageVisibility(options.queue, m.handle, 1);
      } catch {
        // It reappears when its hold expires anyway.
      }
    }
  }
  return report;
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
      return {
        kind: r.kind,
        code: r.error.code,
        at: r.at,
        ...(r.instanceId ? { instanceId: r.instanceId } : {}),
        ...(r.regionId ? { regionId: r.regionId } : {}),
      };
    }
    case 'fc-failure':
      return {
        kind: 'fc-failure',
        code: message.record.requestContext.condition,
        at: new Date(message.record.timestamp).toISOString(),
      };
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

/** Dead-letter records go together (≤ 100 an invocation); an FC failure record replays its own event alone. */
function* replayBatches(entries: readonly Held[]): Generator<Held[]> {
  const records = entries.filter((e) => e.message.kind === 'record');
  for (let i = 0; i < records.length; i += REPLAY_BATCH) yield records.slice(i, i + REPLAY_BATCH);
  for (const e of entries) if (e.message.kind === 'fc-failure') yield [e];
}

interface ReplayResult {
  fixed: boolean;
  error?: boolean;
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

function judge(message: DeadLetterMessage, summary: Summary): ReplayResult {
  if (message.kind === 'fc-failure') {
    const failing = summary.results.filter((r) => r.outcome === 'dead-lettered');
    return failing.length === 0
      ? { fixed: true, detail: counts(summary.results) }
      : { fixed: false, detail: `${failing.length} instances still failing` };
  }
  if (message.kind !== 'record') return { fixed: false, detail: 'not replayable' };
  const { instanceId, regionId } = message.record;
  const result = summary.results.find((r) => r.instanceId === instanceId && r.regionId === regionId);
  if (result === undefined)
    return { fixed: false, error: true, detail: 'the summary does not mention the instance' };
  if (result.outcome === 'dead-lettered')
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
  const summary = dryRun
    ? `Dry run: ${report.matched} of ${report.scanned} messages would be replayed; nothing was changed.`
    : `Scanned ${report.scanned}, replayed ${report.replayed} in ${report.invocations} invocations: ${report.fixed} fixed (deleted), ${report.stillFailing} still failing (kept)${report.resolvedGroups ? `, ${report.resolvedGroups} PagerDuty groups resolved` : ''}.`;
  return `${[...lines, summary].join('\n')}\n`;
}
