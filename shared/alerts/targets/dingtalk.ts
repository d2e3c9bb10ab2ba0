import { createHmac } from 'node:crypto';
import type { AlertGroup } from '../alert-group.js';
import { type AlertView, alertView, instanceSuffix, moreText } from './alert-view.js';
import {
  type AlertRequest,
  type AlertTarget,
  type AnswerVerdict,
  type BuildContext,
  classifyStatus,
  JSON_HEADERS,
  jsonObject,
  type TargetAnswer,
} from './target.js';
import { fitRendering, MARKDOWN_LINK, utf8Bytes } from './truncate.js';

/*
 * DingTalk custom robot (钉钉自定义机器人), open.dingtalk.com "自定义机器人发送群消息" and "自定义机器人安全设置":
 * POST JSON to the webhook (`https://oapi.dingtalk.com/robot/send?access_token=…`); markdown message
 * `{"msgtype":"markdown","markdown":{"title","text"}}`; answer HTTP 200 `{"errcode":0,"errmsg":"ok"}`.
 * 加签: `sign = urlEncode(base64(HmacSHA256(key = secret, msg = timestamp + "\n" + secret)))`, with `timestamp` in
 * milliseconds, both appended to the webhook URL; the timestamp must be within one hour of DingTalk's clock.
 */

export interface DingTalkConfig {
  webhook: string;
  secret?: string;
}

/** DingTalk refuses messages over 20,000 bytes (errcode 460101); the whole JSON body is kept under it. */
export const DINGTALK_MAX_BODY_BYTES = 20_000;

/**
 * 130101 "send too fast" (20 messages a minute per robot: cloud-facts AL-2) and 410100 (the newer code for the same,
 * inferred: AL-3): retry later.
 */
const RATE_LIMITED = new Set([130101, 410100]);
/** -1 "系统繁忙": the global "system busy" code, documented as worth a retry (cloud-facts AL-3). */
const BUSY = new Set([-1]);

/** The `sign` query value, already URL-encoded, for `timestamp` (ms since the epoch, as a string). */
export function dingtalkSign(timestamp: string, secret: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

/** The webhook URL with `timestamp` and `sign` appended (unchanged without a secret). */
export function dingtalkSignedUrl(webhook: string, secret: string | undefined, now: number): string {
  if (secret === undefined) return webhook;
  const timestamp = String(now);
  const separator = webhook.includes('?') ? '&' : '?';
  return `${webhook}${separator}timestamp=${timestamp}&sign=${dingtalkSign(timestamp, secret)}`;
}

export interface DingTalkMessage {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
}

/** The markdown message for `group`, within DingTalk's size limit. */
export function dingtalkMessage(group: AlertGroup): DingTalkMessage {
  return fitRendering(
    group.instances.length,
    (shown, textMax) => toMessage(alertView(group, shown, textMax, MARKDOWN_LINK)),
    (message) => utf8Bytes(JSON.stringify(message)) <= DINGTALK_MAX_BODY_BYTES,
  );
}

function toMessage(view: AlertView): DingTalkMessage {
  // DingTalk's markdown needs a blank line between paragraphs; list items take single newlines.
  const lines = [`#### ${view.title}`, ...view.facts.map((f) => `**${f.label}:** ${f.value}`)];
  const parts = [lines.join('\n\n'), `**Message:** ${view.message}`, `**Advice:** ${view.advice}`];
  if (view.instances.length > 0 || view.more > 0) {
    const items = view.instances.map((i) => `- [${i.instanceId}](${i.consoleUrl})${instanceSuffix(i)}`);
    if (view.more > 0) items.push(`- ${moreText(view.more)}`);
    parts.push(`**Instances:**\n\n${items.join('\n')}`);
  }
  if (view.sample !== undefined) parts.push(`**Sample:** ${view.sample}`);
  parts.push(`Alert key: ${view.key}`);
  return { msgtype: 'markdown', markdown: { title: view.title, text: parts.join('\n\n') } };
}

export function classifyDingTalkAnswer(answer: TargetAnswer): AnswerVerdict {
  const verdict = classifyStatus(answer);
  if (verdict.outcome !== 'ok') return verdict;
  const body = jsonObject(answer.body);
  if (body === undefined || typeof body.errcode !== 'number') {
    return { outcome: 'retryable', code: 'BadResponse', reason: 'HTTP 200 without a DingTalk errcode' };
  }
  const { errcode } = body;
  if (errcode === 0) return { outcome: 'ok' };
  const reason = `errcode ${errcode}: ${String(body.errmsg ?? '')}`;
  if (RATE_LIMITED.has(errcode)) return { outcome: 'retryable', code: 'RateLimited', reason };
  if (BUSY.has(errcode)) return { outcome: 'retryable', code: 'ServiceUnavailable', reason };
  // 310000 (signature, timestamp, keyword or IP check failed), 300001/400101 (no such token), 400102 (robot
  // stopped), 400013 (group dissolved), 40035 (bad JSON), 460101 (too long), 43xxxx (content refused), 90030
  // (plan quota) and any code not known: cloud-facts AL-4.
  return { outcome: 'configuration', code: `DingTalk.${errcode}`, reason };
}

export function dingtalkTarget(config: DingTalkConfig): AlertTarget {
  const token = new URL(config.webhook).searchParams.get('access_token') ?? undefined;
  return {
    name: 'dingtalk',
    secrets: [config.webhook, ...(token ? [token] : []), ...(config.secret ? [config.secret] : [])],
    buildRequest(group: AlertGroup, context: BuildContext): AlertRequest {
      return {
        url: dingtalkSignedUrl(config.webhook, config.secret, context.now),
        headers: { ...JSON_HEADERS },
        body: JSON.stringify(dingtalkMessage(group)),
      };
    },
    classify: classifyDingTalkAnswer,
  };
}
