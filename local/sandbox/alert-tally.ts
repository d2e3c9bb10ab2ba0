import type { ReceivedAlert, ReceiverTarget } from '../webhook-receiver/index.js';

/** Every target the webhook receiver stands in for (the sandbox configures them all). */
export const ALERT_TARGETS: readonly ReceiverTarget[] = [
  'dingtalk',
  'lark',
  'wecom',
  'slack',
  'pagerduty',
  'webhook',
];

/** How many alert messages each group got at each target. */
export interface AlertTally {
  /** Alert messages that passed their target's checks (PagerDuty resolves are not alerts). */
  messages: number;
  /** Distinct groups (alert keys) among them. */
  groups: number;
  /** Targets that received at least one. */
  targets: number;
  /** Fewest and most messages one group got at one target, over every group and every target. */
  perGroupPerTarget: { min: number; max: number };
  byGroup: { key: string; perTarget: Partial<Record<ReceiverTarget, number>> }[];
}

/**
 * Counts what the targets received per group. Each message names its group: the webhook's `alert.key`,
 * PagerDuty's `dedup_key`, and the "Alert key" line every chat message ends with.
 */
export function tallyAlerts(received: readonly ReceivedAlert[]): AlertTally {
  const byGroup = new Map<string, Partial<Record<ReceiverTarget, number>>>();
  let messages = 0;
  for (const alert of received) {
    if (!alert.verified) continue;
    const key = alertKey(alert);
    if (key === undefined) continue;
    messages++;
    const perTarget = byGroup.get(key) ?? {};
    perTarget[alert.target] = (perTarget[alert.target] ?? 0) + 1;
    byGroup.set(key, perTarget);
  }
  const counts = [...byGroup.values()].flatMap((perTarget) => ALERT_TARGETS.map((t) => perTarget[t] ?? 0));
  return {
    messages,
    groups: byGroup.size,
    targets: ALERT_TARGETS.filter((t) => [...byGroup.values()].some((perTarget) => (perTarget[t] ?? 0) > 0))
      .length,
    perGroupPerTarget: { min: counts.length === 0 ? 0 : Math.min(...counts), max: Math.max(0, ...counts) },
    byGroup: [...byGroup].map(([key, perTarget]) => ({ key, perTarget })),
  };
}

/** "alerts: 1 group · 6 targets · 6 messages (1 per group per target)". */
export function formatTally(tally: AlertTally): string {
  if (tally.messages === 0) return 'alerts: none';
  const { min, max } = tally.perGroupPerTarget;
  const per = min === max ? `${max} per group per target` : `${min}–${max} per group per target`;
  return `alerts: ${plural(tally.groups, 'group')} · ${plural(tally.targets, 'target')} · ${plural(tally.messages, 'message')} (${per})`;
}

const KEY_LINE = /Alert key:? ([0-9a-f]{32})\b/;

function alertKey(alert: ReceivedAlert): string | undefined {
  const body = alert.body as Record<string, unknown> | undefined;
  if (alert.target === 'pagerduty') {
    if (body?.event_action !== 'trigger') return undefined;
    return typeof body.dedup_key === 'string' ? body.dedup_key : undefined;
  }
  if (alert.target === 'webhook') {
    const key = (body?.alert as { key?: unknown } | undefined)?.key;
    return typeof key === 'string' ? key : undefined;
  }
  return KEY_LINE.exec(alert.raw)?.[1];
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
