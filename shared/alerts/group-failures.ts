import { createHash } from 'node:crypto';
import type { DeadLetterMessage } from '../dead-letter/dead-letter-message.js';
import { decodeEvent } from '../events/decode-event.js';
import { adviceFor } from './advice.js';
import { type AlertGroup, type AlertInstance, consoleUrl, MAX_LISTED_INSTANCES } from './alert-group.js';

interface Member {
  accountId?: string;
  regionId?: string;
  kind: string;
  code: string;
  role?: string;
  errorClass: AlertGroup['errorClass'];
  message: string;
  at?: string;
  instance?: AlertInstance;
  sample?: string;
  /** The account's credentials failed: one group per account, whatever the instances' regions. */
  accountWide?: true;
}

const SAMPLE_CHARS = 500;

/**
 * Groups a batch of dead-letter messages by account, region, kind, error code and role: one alert per group,
 * listing the first instances and counting the rest. An instance named twice in a group (two events about it)
 * counts once. Nothing is dropped: FC failure records and unreadable messages become groups of their own.
 */
export function groupFailures(
  messages: readonly DeadLetterMessage[],
  options: { maxListed?: number; defaultRegionId?: string } = {},
): AlertGroup[] {
  const maxListed = options.maxListed ?? MAX_LISTED_INSTANCES;
  const groups = new Map<string, { members: Member[]; seen: Set<string> }>();
  for (const message of messages) {
    for (const member of membersOf(message, options.defaultRegionId)) {
      const key = groupKey(member);
      let group = groups.get(key);
      if (group === undefined) {
        group = { members: [], seen: new Set() };
        groups.set(key, group);
      }
      const id = member.instance ? `${member.instance.regionId}/${member.instance.instanceId}` : undefined;
      if (id !== undefined && group.seen.has(id)) continue;
      if (id !== undefined) group.seen.add(id);
      group.members.push(member);
    }
  }
  return [...groups.entries()].map(([key, { members }]) => toAlert(key, members, maxListed));
}

function membersOf(message: DeadLetterMessage, defaultRegionId?: string): Member[] {
  switch (message.kind) {
    case 'record': {
      const r = message.record;
      const member: Member = {
        kind: r.kind,
        code: r.error.code,
        errorClass: r.error.class,
        message: r.error.message,
        at: r.at,
        ...(r.accountId === undefined ? {} : { accountId: r.accountId }),
        ...(r.regionId === undefined ? {} : { regionId: r.regionId }),
      };
      if (r.error.scope === 'account') member.accountWide = true;
      if (r.kind !== 'poison') {
        if (r.desiredRole) member.role = r.desiredRole;
        if (r.regionId) {
          member.instance = {
            ...listed(r.instanceId, r.regionId),
            ...(r.previousRole ? { previousRole: r.previousRole } : {}),
          };
        }
        return [member];
      }
      // An event that could not be decoded: show what was wrong with it, and the instances it named, if any.
      const sample = r.event ?? (r.value === undefined ? undefined : `${r.path ?? ''}: ${r.value}`);
      if (sample !== undefined) member.sample = excerpt(sample);
      const regionId = r.regionId;
      const instanceIds = r.instanceIds ?? [];
      if (regionId === undefined || instanceIds.length === 0) return [member];
      return instanceIds.map((id) => ({ ...member, instance: listed(id, regionId) }));
    }
    case 'fc-failure': {
      const r = message.record;
      const { regionId: region, accountId: account } = r.function;
      const base: Member = {
        kind: 'fc-failure',
        code: r.condition ?? r.functionError ?? 'FunctionFailed',
        errorClass: 'unknown',
        message: errorMessage(r.responsePayload ?? ''),
        ...(r.at === undefined ? {} : { at: r.at }),
        sample: excerpt(r.requestPayload),
        ...(account ? { accountId: account } : {}),
        ...(region ? { regionId: region } : {}),
      };
      // Name the instances the lost event was about, so on-call sees who is affected.
      const refs = decodeEvent(r.requestPayload, {
        defaultRegionId: region || defaultRegionId || 'cn-hangzhou',
      }).refs;
      if (refs.length === 0) return [base];
      return refs.map((ref) => ({ ...base, instance: listed(ref.instanceId, ref.regionId) }));
    }
    case 'unreadable':
      return [
        {
          kind: 'unreadable',
          code: 'UnreadableRecord',
          errorClass: 'unknown',
          message: message.reason,
          sample: excerpt(message.body),
        },
      ];
  }
}

const listed = (instanceId: string, regionId: string): AlertInstance => ({
  instanceId,
  regionId,
  consoleUrl: consoleUrl(regionId, instanceId),
});

function groupKey(m: Member): string {
  const region = m.accountWide ? '*' : (m.regionId ?? '');
  const fields = [m.accountId ?? '', region, m.kind, m.code, m.role ?? ''];
  return createHash('sha256').update(fields.join('\n')).digest('hex').slice(0, 32);
}

function toAlert(key: string, members: Member[], maxListed: number): AlertGroup {
  const first = members[0] as Member;
  const instances = members.flatMap((m) => (m.instance ? [m.instance] : []));
  const count = instances.length > 0 ? instances.length : members.length;
  const times = members.flatMap((m) => (m.at ? [m.at] : [])).sort();
  const group: AlertGroup = {
    key,
    kind: first.kind,
    code: first.code,
    errorClass: first.errorClass,
    message: first.message,
    advice: adviceFor(first.kind, first.code, first.role),
    severity: severity(first),
    count,
    instances: instances.slice(0, maxListed),
    more: count - Math.min(maxListed, instances.length),
  };
  if (first.accountId) group.accountId = first.accountId;
  if (first.regionId) group.regionId = first.regionId;
  if (first.role) group.role = first.role;
  if (times[0]) group.firstAt = times[0];
  if (times.at(-1)) group.lastAt = times.at(-1);
  if (first.sample) group.sample = first.sample;
  return group;
}

/** Instances left with no role are the most urgent; retryable trouble the least. */
function severity(m: Member): AlertGroup['severity'] {
  if (m.kind === 'replace-failed') return 'critical';
  if (m.kind === 'conflict' || m.errorClass === 'retryable') return 'warning';
  return 'error';
}

function errorMessage(responsePayload: string): string {
  try {
    const parsed = JSON.parse(responsePayload) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === 'string') {
      return `${typeof parsed.errorType === 'string' ? `${parsed.errorType}: ` : ''}${parsed.errorMessage}`;
    }
  } catch {
    // not JSON: shown as it is below
  }
  return excerpt(responsePayload);
}

function excerpt(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length <= SAMPLE_CHARS ? text : `${text.slice(0, SAMPLE_CHARS)}…`;
}
