import type { AlertGroup } from '../alert-group.js';
import { type AlertView, alertView, instanceSuffix, moreText } from './alert-view.js';
import {
  type AlertRequest,
  type AlertTarget,
  type AnswerVerdict,
  classifyStatus,
  JSON_HEADERS,
  type TargetAnswer,
} from './target.js';
import { fitRendering, truncateText } from './truncate.js';

/*
 * Slack incoming webhook (api.slack.com/messaging/webhooks): POST JSON `{"text","blocks"}`; `text` is the
 * notification fallback. Answers 200 `ok`; errors are 4xx with a text body (400 `invalid_payload`/`no_text`/
 * `invalid_blocks`, 403 `action_prohibited`/`invalid_token`, 404 `no_service`/`channel_not_found`, 410
 * `channel_is_archived`) and 429 with `Retry-After` when rate limited. Block Kit limits (api.slack.com/reference/
 * block-kit/blocks): header text ≤ 150 characters, section text ≤ 3000, ≤ 10 fields of ≤ 2000 each, ≤ 50 blocks.
 */

export interface SlackConfig {
  webhook: string;
}

export const SLACK_LIMITS = {
  headerChars: 150,
  sectionChars: 3000,
  fieldChars: 2000,
  fields: 10,
  blocks: 50,
  textChars: 3000,
} as const;

type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };
type Mrkdwn = { type: 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** mrkdwn control characters (api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackMessage(group: AlertGroup): SlackMessage {
  return fitRendering(
    group.instances.length,
    (shown, textMax) => toMessage(alertView(group, shown, textMax)),
    fitsSlack,
  );
}

/** Whether a message keeps to the Block Kit limits above. */
export function fitsSlack(message: SlackMessage): boolean {
  if (message.text.length > SLACK_LIMITS.textChars || message.blocks.length > SLACK_LIMITS.blocks)
    return false;
  return message.blocks.every(fitsBlock);
}

function fitsBlock(block: SlackBlock): boolean {
  switch (block.type) {
    case 'header':
      return block.text.text.length <= SLACK_LIMITS.headerChars;
    case 'section':
      return (
        (block.text === undefined || block.text.text.length <= SLACK_LIMITS.sectionChars) &&
        (block.fields === undefined ||
          (block.fields.length <= SLACK_LIMITS.fields &&
            block.fields.every((f) => f.text.length <= SLACK_LIMITS.fieldChars)))
      );
    case 'context':
      return (
        block.elements.length <= 10 && block.elements.every((e) => e.text.length <= SLACK_LIMITS.sectionChars)
      );
    default:
      return false;
  }
}

function toMessage(view: AlertView): SlackMessage {
  const md = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });
  const blocks: SlackBlock[] = [
    // The header is plain text: no escaping, and the title is cut to fit on its own.
    {
      type: 'header',
      text: { type: 'plain_text', text: truncateText(view.title, SLACK_LIMITS.headerChars), emoji: true },
    },
    {
      type: 'section',
      fields: view.facts
        .slice(0, SLACK_LIMITS.fields)
        .map((f) => md(`*${f.label}*\n${slackEscape(f.value)}`)),
    },
    { type: 'section', text: md(`*Message*\n${slackEscape(view.message)}`) },
    { type: 'section', text: md(`*Advice*\n${slackEscape(view.advice)}`) },
  ];
  if (view.instances.length > 0 || view.more > 0) {
    const items = view.instances.map(
      (i) => `• <${i.consoleUrl}|${i.instanceId}>${slackEscape(instanceSuffix(i))}`,
    );
    if (view.more > 0) items.push(moreText(view.more));
    blocks.push({ type: 'section', text: md(`*Instances*\n${items.join('\n')}`) });
  }
  if (view.sample !== undefined)
    blocks.push({ type: 'section', text: md(`*Sample*\n${slackEscape(view.sample)}`) });
  blocks.push({ type: 'context', elements: [md(`Alert key ${view.key}`)] });
  const more = view.more > 0 ? ` ${moreText(view.more)}` : '';
  return { text: `${view.title}${more}`.slice(0, SLACK_LIMITS.textChars), blocks };
}

export function classifySlackAnswer(answer: TargetAnswer): AnswerVerdict {
  const verdict = classifyStatus(answer);
  if (verdict.outcome === 'ok') return verdict;
  const text = answer.body.trim().slice(0, 100);
  return { ...verdict, reason: text ? `${verdict.reason}: ${text}` : verdict.reason };
}

export function slackTarget(config: SlackConfig): AlertTarget {
  const path = new URL(config.webhook).pathname;
  return {
    name: 'slack',
    // The path (`/services/T…/B…/<token>`) is the credential.
    secrets: [config.webhook, path],
    buildRequest(group: AlertGroup): AlertRequest {
      return { url: config.webhook, headers: { ...JSON_HEADERS }, body: JSON.stringify(slackMessage(group)) };
    },
    classify: classifySlackAnswer,
  };
}
