import type { AlertGroup, AlertInstance } from '../alert-group.js';
import { truncateText } from './truncate.js';

/** What every target shows of a group, already cut to the sizes one rendering attempt allows. */
export interface AlertView {
  severity: AlertGroup['severity'];
  /** One line: severity, code, count, kind. */
  title: string;
  /** Label and value pairs: count, account, region, kind, code, role, severity, error class, first/last seen. */
  facts: { label: string; value: string }[];
  message: string;
  advice: string;
  sample?: string;
  /** The instances shown, each with its console link. */
  instances: AlertInstance[];
  /** Instances in the group that are not shown (`count − shown`): "and N more". */
  more: number;
  key: string;
}

/**
 * The view of `group` listing its first `shown` instances, with free text cut to `textMax` characters (graphemes
 * kept whole; `atomic` spans such as links kept whole). `more` counts every instance not shown, whether the
 * grouping already left it out or this rendering did.
 */
export function alertView(group: AlertGroup, shown: number, textMax: number, atomic?: RegExp): AlertView {
  const cut = (text: string) => truncateText(text, textMax, atomic === undefined ? {} : { atomic });
  const instances = group.instances.slice(0, Math.max(0, shown));
  const listsInstances = group.instances.length > 0;
  const more = listsInstances ? Math.max(0, group.count - instances.length) : 0;
  const noun = listsInstances ? plural(group.count, 'instance') : plural(group.count, 'record');
  const facts: { label: string; value: string }[] = [
    { label: 'Count', value: `${group.count} ${noun}` },
    { label: 'Account', value: cut(group.accountId ?? 'unknown') },
    { label: 'Region', value: cut(group.regionId ?? 'unknown') },
    { label: 'Kind', value: cut(group.kind) },
    { label: 'Error code', value: cut(group.code) },
    { label: 'Role', value: cut(group.role ?? 'none') },
    { label: 'Severity', value: group.severity },
    { label: 'Error class', value: group.errorClass },
  ];
  if (group.firstAt) facts.push({ label: 'First seen', value: cut(group.firstAt) });
  if (group.lastAt) facts.push({ label: 'Last seen', value: cut(group.lastAt) });
  const view: AlertView = {
    severity: group.severity,
    title: cut(`[${group.severity.toUpperCase()}] ${group.code}: ${group.count} ${noun} (${group.kind})`),
    facts,
    message: cut(group.message),
    advice: cut(group.advice),
    instances,
    more,
    key: group.key,
  };
  if (group.sample) view.sample = cut(group.sample);
  return view;
}

/** "and 990 more": the instances a message does not list. */
export function moreText(more: number): string {
  return `…and ${more} more`;
}

/** "i-abc · cn-hangzhou · previous role: R" without the link (each target links the id its own way). */
export function instanceSuffix(instance: AlertInstance): string {
  const previous = instance.previousRole ? ` · previous role: ${instance.previousRole}` : '';
  return ` · ${instance.regionId}${previous}`;
}

function plural(n: number, noun: string): string {
  return `${noun}${n === 1 ? '' : 's'}`;
}
