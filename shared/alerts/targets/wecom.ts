import type { AlertGroup } from '../alert-group.js';
import { type AlertView, alertView, instanceSuffix, moreText } from './alert-view.js';
import {
  type AlertRequest,
  type AlertTarget,
  type AnswerVerdict,
  classifyStatus,
  JSON_HEADERS,
  jsonObject,
  type TargetAnswer,
} from './target.js';
import { fitRendering, MARKDOWN_LINK, utf8Bytes } from './truncate.js';

/*
 * WeCom group robot (企业微信群机器人), developer.work.weixin.qq.com "群机器人配置说明" (document/path/91770):
 * POST JSON `{"msgtype":"markdown","markdown":{"content"}}` to `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`;
 * content is UTF-8 and at most 4096 bytes (longer is refused with errcode 40058); 20 messages a minute per robot.
 * Answer `{"errcode":0,"errmsg":"ok"}`. The markdown subset: headings, bold, links, `>` quotes and
 * `<font color="info|comment|warning">`.
 */

export interface WeComConfig {
  webhook: string;
}

export const WECOM_MAX_CONTENT_BYTES = 4096;

/** 45009: "api freq out of limit". -1: "system busy". Other codes are configuration (cloud-facts AL-7). */
const RETRYABLE = new Map([
  [45009, 'RateLimited'],
  [-1, 'ServiceUnavailable'],
]);

const COLOR: Record<AlertGroup['severity'], string> = {
  critical: 'warning',
  error: 'warning',
  warning: 'comment',
};

export interface WeComMessage {
  msgtype: 'markdown';
  markdown: { content: string };
}

export function wecomMessage(group: AlertGroup): WeComMessage {
  return fitRendering(
    group.instances.length,
    (shown, textMax) => toMessage(alertView(group, shown, textMax, MARKDOWN_LINK)),
    (message) => utf8Bytes(message.markdown.content) <= WECOM_MAX_CONTENT_BYTES,
  );
}

function toMessage(view: AlertView): WeComMessage {
  const lines = [
    `### <font color="${COLOR[view.severity]}">${view.title}</font>`,
    ...view.facts.map((f) => `> ${f.label}: <font color="comment">${f.value}</font>`),
    `**Message:** ${view.message}`,
    `**Advice:** ${view.advice}`,
  ];
  if (view.instances.length > 0 || view.more > 0) {
    lines.push('**Instances:**');
    for (const i of view.instances) lines.push(`[${i.instanceId}](${i.consoleUrl})${instanceSuffix(i)}`);
    if (view.more > 0) lines.push(moreText(view.more));
  }
  if (view.sample !== undefined) lines.push(`**Sample:** ${view.sample}`);
  lines.push(`<font color="comment">Alert key ${view.key}</font>`);
  return { msgtype: 'markdown', markdown: { content: lines.join('\n') } };
}

export function classifyWeComAnswer(answer: TargetAnswer): AnswerVerdict {
  const verdict = classifyStatus(answer);
  if (verdict.outcome !== 'ok') return verdict;
  const body = jsonObject(answer.body);
  if (body === undefined || typeof body.errcode !== 'number') {
    return { outcome: 'retryable', code: 'BadResponse', reason: 'HTTP 200 without a WeCom errcode' };
  }
  const { errcode } = body;
  if (errcode === 0) return { outcome: 'ok' };
  const reason = `errcode ${errcode}: ${String(body.errmsg ?? '')}`;
  const retry = RETRYABLE.get(errcode);
  if (retry !== undefined) return { outcome: 'retryable', code: retry, reason };
  // 93000 (invalid webhook URL / key), 40058 (content too long), 40008 (bad message type), 44004 (empty)…
  return { outcome: 'configuration', code: `WeCom.${errcode}`, reason };
}

export function wecomTarget(config: WeComConfig): AlertTarget {
  const key = new URL(config.webhook).searchParams.get('key') ?? undefined;
  return {
    name: 'wecom',
    secrets: [config.webhook, ...(key ? [key] : [])],
    buildRequest(group: AlertGroup): AlertRequest {
      return { url: config.webhook, headers: { ...JSON_HEADERS }, body: JSON.stringify(wecomMessage(group)) };
    },
    classify: classifyWeComAnswer,
  };
}
