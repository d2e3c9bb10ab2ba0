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
 * Lark / Feishu custom bot (飞书自定义机器人), open.feishu.cn "自定义机器人使用指南": POST JSON to
 * `https://open.feishu.cn/open-apis/bot/v2/hook/<id>`, request body ≤ 20 KB, 100 requests a minute and 5 a second
 * per bot. Message type `interactive` (a message card, JSON 1.0 card structure): a coloured header and short
 * fields show the group better than `text` or `post`. 签名校验: `timestamp` (seconds, as a string, within one hour
 * of Lark's clock) and `sign = base64(HmacSHA256(key = timestamp + "\n" + secret, msg = ""))` in the body.
 * Answer `{"code":0,"msg":"success",…}` (older answers: `StatusCode`).
 */

export interface LarkConfig {
  webhook: string;
  secret?: string;
}

export const LARK_MAX_BODY_BYTES = 20_000;

/** 11232: the bot's frequency limit (cloud-facts AL-6). */
const RATE_LIMITED = new Set([11232]);

export function larkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

type LarkText = { tag: 'lark_md' | 'plain_text'; content: string };
type LarkElement =
  | { tag: 'div'; text?: LarkText; fields?: { is_short: boolean; text: LarkText }[] }
  | { tag: 'hr' }
  | { tag: 'note'; elements: LarkText[] };

export interface LarkMessage {
  timestamp?: string;
  sign?: string;
  msg_type: 'interactive';
  card: {
    config: { wide_screen_mode: boolean };
    header: { template: string; title: { tag: 'plain_text'; content: string } };
    elements: LarkElement[];
  };
}

/** Header colours by severity (card header `template`). */
const TEMPLATE: Record<AlertGroup['severity'], string> = {
  critical: 'red',
  error: 'orange',
  warning: 'yellow',
};

/** The card for `group` (unsigned), within Lark's body limit once signed. */
export function larkMessage(group: AlertGroup): LarkMessage {
  // Room for the signature fields added afterwards: `"timestamp":"…","sign":"…",`.
  const signatureRoom = 100;
  return fitRendering(
    group.instances.length,
    (shown, textMax) => toCard(alertView(group, shown, textMax, MARKDOWN_LINK)),
    (message) => utf8Bytes(JSON.stringify(message)) + signatureRoom <= LARK_MAX_BODY_BYTES,
  );
}

function toCard(view: AlertView): LarkMessage {
  const md = (content: string): LarkText => ({ tag: 'lark_md', content });
  const elements: LarkElement[] = [
    {
      tag: 'div',
      fields: view.facts.map((f) => ({ is_short: true, text: md(`**${f.label}**\n${f.value}`) })),
    },
    { tag: 'div', text: md(`**Message**\n${view.message}`) },
    { tag: 'div', text: md(`**Advice**\n${view.advice}`) },
  ];
  if (view.instances.length > 0 || view.more > 0) {
    const items = view.instances.map((i) => `- [${i.instanceId}](${i.consoleUrl})${instanceSuffix(i)}`);
    if (view.more > 0) items.push(`- ${moreText(view.more)}`);
    elements.push({ tag: 'div', text: md(`**Instances**\n${items.join('\n')}`) });
  }
  if (view.sample !== undefined) {
    elements.push({ tag: 'div', text: { tag: 'plain_text', content: `Sample: ${view.sample}` } });
  }
  elements.push(
    { tag: 'hr' },
    { tag: 'note', elements: [{ tag: 'plain_text', content: `Alert key ${view.key}` }] },
  );
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: TEMPLATE[view.severity], title: { tag: 'plain_text', content: view.title } },
      elements,
    },
  };
}

export function classifyLarkAnswer(answer: TargetAnswer): AnswerVerdict {
  const body = jsonObject(answer.body);
  const code = typeof body?.code === 'number' ? body.code : body?.StatusCode;
  const message = String(body?.msg ?? body?.StatusMessage ?? '');
  if (typeof code === 'number' && code !== 0) {
    const reason = `code ${code}: ${message}`;
    // 9499 is documented as "Bad Request" (malformed body), but the same code comes back with "too many request"
    // when the bot is throttled: only the latter is worth a retry (cloud-facts AL-6).
    if (RATE_LIMITED.has(code) || (code === 9499 && /too many|frequen|limit/i.test(message))) {
      return { outcome: 'retryable', code: 'RateLimited', reason };
    }
    if (answer.status >= 500) return { outcome: 'retryable', code: 'ServiceUnavailable', reason };
    // 19021 (signature or timestamp), 19022 (IP not allowed), 19024 (keyword missing), 19001 (bad hook id), 9499,
    // and any code not known (cloud-facts AL-6)…
    return { outcome: 'configuration', code: `Lark.${code}`, reason };
  }
  const verdict = classifyStatus(answer);
  if (verdict.outcome !== 'ok') return verdict;
  if (code !== 0)
    return { outcome: 'retryable', code: 'BadResponse', reason: 'HTTP 200 without a Lark code' };
  return { outcome: 'ok' };
}

export function larkTarget(config: LarkConfig): AlertTarget {
  const hookId = new URL(config.webhook).pathname.split('/').filter(Boolean).at(-1);
  return {
    name: 'lark',
    secrets: [config.webhook, ...(hookId ? [hookId] : []), ...(config.secret ? [config.secret] : [])],
    buildRequest(group: AlertGroup, context: BuildContext): AlertRequest {
      const message = larkMessage(group);
      let body: LarkMessage = message;
      if (config.secret !== undefined) {
        const timestamp = String(Math.floor(context.now / 1000));
        body = { timestamp, sign: larkSign(timestamp, config.secret), ...message };
      }
      return { url: config.webhook, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
    },
    classify: classifyLarkAnswer,
  };
}
