/**
 * One alert: the dead-letter records of a batch that share account, region, kind, error code and role. Targets
 * (DingTalk, Lark, WeCom, Slack, PagerDuty, a webhook) each render this in their own format.
 */
export interface AlertGroup {
  /** Stable across batches for the same account, region, kind, code and role: PagerDuty's dedup key. */
  key: string;
  accountId?: string;
  regionId?: string;
  /** A dead-letter kind (`attach-failed`, `replace-failed`, `deadline`, `conflict`, `poison`), `fc-failure`
   * (an FC onFailure record), or `unreadable` (a message no one could decode). */
  kind: string;
  code: string;
  /** The role the instances should have had, when the records say. */
  role?: string;
  errorClass: 'retryable' | 'permanent' | 'unknown';
  /** A representative error message from the group (the first record's). */
  message: string;
  /** What to do about it, for a person. */
  advice: string;
  severity: 'critical' | 'error' | 'warning';
  /** Instances (or records, for groups about no instance) in the group. */
  count: number;
  /** The first instances, each with a console link. */
  instances: AlertInstance[];
  /** `count - instances.length`: the rest, only counted. */
  more: number;
  /** ISO times of the earliest and latest record. */
  firstAt?: string;
  lastAt?: string;
  /** For poison, FC failure and unreadable records: an excerpt of what could not be handled. */
  sample?: string;
}

export interface AlertInstance {
  instanceId: string;
  regionId: string;
  consoleUrl: string;
  /** For `replace-failed`: the role that was detached (the instance has none now). */
  previousRole?: string;
}

/** How many instances an alert lists by name before it only counts the rest. */
export const MAX_LISTED_INSTANCES = 10;

export function consoleUrl(regionId: string, instanceId: string): string {
  return `https://ecs.console.aliyun.com/server/${encodeURIComponent(instanceId)}/detail?regionId=${encodeURIComponent(regionId)}`;
}
