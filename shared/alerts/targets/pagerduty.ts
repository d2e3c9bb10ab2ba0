import type { AlertGroup } from '../alert-group.js';
import { type AlertView, alertView, moreText } from './alert-view.js';
import {
  type AlertRequest,
  type AlertTarget,
  type AnswerVerdict,
  type BuildContext,
  classifyStatus,
  type EventAction,
  JSON_HEADERS,
  jsonObject,
  type TargetAnswer,
} from './target.js';
import { fitRendering, truncateText, utf8Bytes } from './truncate.js';

/*
 * PagerDuty Events API v2 (developer.pagerduty.com, "Send an Alert Event"): POST
 * `https://events.pagerduty.com/v2/enqueue` `{"routing_key","event_action","dedup_key","payload":{"summary" (≤ 1024
 * characters),"source","severity" (critical|error|warning|info),"timestamp","component","group","class",
 * "custom_details"},"links":[{"href","text"}]}`; a resolve needs only `routing_key`, `event_action`, `dedup_key`.
 * The group's key is the dedup key: repeated triggers for a group land on one open alert and the redrive tool's
 * resolve closes it. Answers 202 `{"status":"success","message":"Event processed","dedup_key"}`; 400 = invalid
 * event (not retried); 429 and 5xx = retry later. Payloads are limited to 512 KB.
 */

export interface PagerDutyConfig {
  routingKey: string;
  eventsUrl: string;
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_SUMMARY_CHARS = 1024;
export const PAGERDUTY_MAX_BODY_BYTES = 512_000;

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: AlertGroup['severity'];
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: { href: string; text: string }[];
  client: string;
}

export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export const PAGERDUTY_CLIENT = 'ecs-ram-role-attacher';

export function pagerdutyEvent(
  group: AlertGroup,
  routingKey: string,
  eventAction: EventAction,
  now: number,
): PagerDutyTrigger | PagerDutyResolve {
  if (eventAction === 'resolve')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: group.key };
  return fitRendering(
    group.instances.length,
    (shown, textMax) => toTrigger(group, alertView(group, shown, textMax), routingKey, now),
    (event) => utf8Bytes(JSON.stringify(event)) <= PAGERDUTY_MAX_BODY_BYTES,
  );
}

/** One line for on-call: severity, code, count, kind, where, the role, then the message. */
export function pagerdutySummary(group: AlertGroup, view: AlertView): string {
  const where = [group.accountId, group.regionId].filter(Boolean).join('/');
  const role = group.role ? ` role ${group.role}` : '';
  const more = view.more > 0 ? ` (${moreText(view.more)} not listed)` : '';
  const head = `${view.title}${where ? ` in ${where}` : ''}${role}${more}: `;
  return truncateText(`${head}${group.message}`, PAGERDUTY_SUMMARY_CHARS);
}

function toTrigger(group: AlertGroup, view: AlertView, routingKey: string, now: number): PagerDutyTrigger {
  const instances = view.instances.map(
    (i) =>
      `${i.instanceId} (${i.regionId})${i.previousRole ? ` previous role ${i.previousRole}` : ''} ${i.consoleUrl}`,
  );
  if (view.more > 0) instances.push(moreText(view.more));
  const details: Record<string, unknown> = Object.fromEntries(view.facts.map((f) => [f.label, f.value]));
  details.Message = view.message;
  details.Advice = view.advice;
  if (instances.length > 0) details.Instances = instances;
  if (view.sample !== undefined) details.Sample = view.sample;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: group.key,
    payload: {
      summary: pagerdutySummary(group, view),
      source: `acs:ecs:${group.regionId ?? '*'}:${group.accountId ?? '*'}`,
      severity: group.severity,
      timestamp: group.lastAt ?? new Date(now).toISOString(),
      component: group.role ? `ram-role/${group.role}` : 'ecs-ram-role-attacher',
      group: group.kind,
      class: group.code,
      custom_details: details,
    },
    links: view.instances.map((i) => ({ href: i.consoleUrl, text: `${i.instanceId} in the ECS console` })),
    client: PAGERDUTY_CLIENT,
  };
}

export function classifyPagerDutyAnswer(answer: TargetAnswer): AnswerVerdict {
  const verdict = classifyStatus(answer);
  if (verdict.outcome === 'ok') return verdict;
  const body = jsonObject(answer.body);
  const errors = Array.isArray(body?.errors) ? `: ${body.errors.map(String).join('; ')}` : '';
  const message = typeof body?.message === 'string' ? ` ${body.message}` : '';
  return { ...verdict, reason: `${verdict.reason}${message}${errors}` };
}

export function pagerdutyTarget(config: PagerDutyConfig): AlertTarget {
  return {
    name: 'pagerduty',
    secrets: [config.routingKey],
    buildRequest(group: AlertGroup, context: BuildContext): AlertRequest {
      const event = pagerdutyEvent(group, config.routingKey, context.eventAction, context.now);
      return { url: config.eventsUrl, headers: { ...JSON_HEADERS }, body: JSON.stringify(event) };
    },
    classify: classifyPagerDutyAnswer,
  };
}
