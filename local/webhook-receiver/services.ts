import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type * as z from 'zod/mini';
import type { ReceiverTarget } from './received.js';
import {
  DINGTALK_MAX_BYTES,
  dingtalkMessage,
  issues,
  LARK_MAX_BYTES,
  larkMessage,
  PAGERDUTY_MAX_BYTES,
  pagerdutyEvent,
  slackMessage,
  WECOM_MARKDOWN_MAX_BYTES,
  WECOM_TEXT_MAX_BYTES,
  webhookBody,
  wecomMessage,
} from './schemas.js';
import { checkDingTalkSignature, checkLarkSignature, checkWebhookSignature } from './signatures.js';

/** An HTTP answer. */
export interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Answer => ({
  status,
  body: JSON.stringify(body),
  contentType: 'application/json; charset=utf-8',
  ...(headers ? { headers } : {}),
});
export const plain = (status: number, body: string, headers?: Record<string, string>): Answer => ({
  status,
  body,
  contentType: 'text/plain; charset=utf-8',
  ...(headers ? { headers } : {}),
});

export interface RequestView {
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** Parsed JSON, or undefined. */
  body: unknown;
  now: number;
}

export interface Checked {
  problems: string[];
  /** What the real service answers: its error for the first problem, or its success. */
  answer: Answer;
}

/** Runs checks in the order the service applies them; the first failing one decides the answer. */
function firstFailure(
  checks: (() => { problems: string[]; answer: Answer } | undefined)[],
  ok: Answer,
): Checked {
  const problems: string[] = [];
  let answer: Answer | undefined;
  for (const check of checks) {
    const failed = check();
    if (failed === undefined || failed.problems.length === 0) continue;
    problems.push(...failed.problems);
    answer ??= failed.answer;
  }
  return { problems, answer: answer ?? ok };
}

function schema<T extends z.ZodMiniType>(s: T, body: unknown): string[] {
  const parsed = s.safeParse(body);
  return parsed.success ? [] : issues(parsed.error);
}

export interface ServiceSecrets {
  dingtalk?: string;
  lark?: string;
  webhook?: string;
}

export interface Credentials {
  dingtalkToken: string;
  larkHook: string;
  wecomKey: string;
  slackPath: string;
}

/** DingTalk custom robot: token, then 加签, then the message. Every answer is HTTP 200 with an errcode. */
export function checkDingTalk(r: RequestView, secrets: ServiceSecrets, creds: Credentials): Checked {
  const err = (errcode: number, errmsg: string) => json(200, { errcode, errmsg });
  return firstFailure(
    [
      () =>
        r.query.get('access_token') === creds.dingtalkToken
          ? undefined
          : { problems: ['unknown access_token'], answer: err(300001, 'token is not exist') },
      () => {
        if (secrets.dingtalk === undefined) return undefined;
        const problems = checkDingTalkSignature(
          r.query.get('timestamp'),
          r.query.get('sign'),
          secrets.dingtalk,
          r.now,
        );
        const stale = problems.some((p) => p.includes('timestamp'));
        return {
          problems,
          answer: stale
            ? err(310000, 'invalid timestamp')
            : err(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]'),
        };
      },
      () =>
        r.raw.length > DINGTALK_MAX_BYTES
          ? {
              problems: [`body is ${r.raw.length} bytes, over ${DINGTALK_MAX_BYTES}`],
              answer: err(460101, `message too long, exceed ${DINGTALK_MAX_BYTES} bytes`),
            }
          : undefined,
      () => {
        if (r.body === undefined)
          return { problems: ['body is not JSON'], answer: err(40035, '缺少参数 json') };
        const problems = schema(dingtalkMessage, r.body);
        return { problems, answer: err(40035, `缺少参数 ${problems[0] ?? ''}`.trim()) };
      },
    ],
    err(0, 'ok'),
  );
}

/** Lark custom bot: hook id, body size and format, then 签名校验. */
export function checkLark(
  r: RequestView,
  secrets: ServiceSecrets,
  hook: string,
  creds: Credentials,
): Checked {
  const err = (status: number, code: number, msg: string) => json(status, { code, msg, data: {} });
  return firstFailure(
    [
      () =>
        hook === creds.larkHook
          ? undefined
          : {
              problems: ['unknown hook id'],
              answer: err(200, 19001, 'param invalid: incoming webhook access token invalid'),
            },
      () =>
        r.raw.length > LARK_MAX_BYTES
          ? { problems: [`body is ${r.raw.length} bytes, over 20 KB`], answer: err(400, 9499, 'Bad Request') }
          : undefined,
      () =>
        r.body === undefined
          ? { problems: ['body is not JSON'], answer: err(400, 9499, 'Bad Request') }
          : { problems: schema(larkMessage, r.body), answer: err(400, 9499, 'Bad Request') },
      () => {
        if (secrets.lark === undefined) return undefined;
        const b = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Record<string, unknown>;
        return {
          problems: checkLarkSignature(b.timestamp, b.sign, secrets.lark, r.now),
          answer: err(200, 19021, 'sign match fail or timestamp is not within one hour from current time'),
        };
      },
    ],
    json(200, { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' }),
  );
}

/** WeCom group robot: key, format, then the content limits. HTTP 200 with an errcode throughout. */
export function checkWeCom(r: RequestView, creds: Credentials): Checked {
  const err = (errcode: number, errmsg: string) => json(200, { errcode, errmsg });
  return firstFailure(
    [
      () =>
        r.query.get('key') === creds.wecomKey
          ? undefined
          : {
              problems: ['unknown key'],
              answer: err(
                93000,
                'invalid webhook url, hint: [receiver], more info at https://open.work.weixin.qq.com/devtool/query?e=93000',
              ),
            },
      () =>
        r.body === undefined
          ? { problems: ['body is not JSON'], answer: err(40008, 'invalid message type') }
          : { problems: schema(wecomMessage, r.body), answer: err(40008, 'invalid message type') },
      () => {
        const b = r.body as { markdown?: { content?: unknown }; text?: { content?: unknown } } | undefined;
        const markdown = b?.markdown?.content;
        if (typeof markdown === 'string' && Buffer.byteLength(markdown) > WECOM_MARKDOWN_MAX_BYTES) {
          return {
            problems: [`markdown.content is ${Buffer.byteLength(markdown)} bytes, over 4096`],
            answer: err(40058, 'markdown.content exceed max length 4096. invalid Request Parameter'),
          };
        }
        const text = b?.text?.content;
        if (typeof text === 'string' && Buffer.byteLength(text) > WECOM_TEXT_MAX_BYTES) {
          return {
            problems: [`text.content is ${Buffer.byteLength(text)} bytes, over 2048`],
            answer: err(40058, 'text.content exceed max length 2048. invalid Request Parameter'),
          };
        }
        return undefined;
      },
    ],
    err(0, 'ok'),
  );
}

/** Slack incoming webhook: path, JSON, text or blocks, Block Kit limits. Errors are 4xx with a text body. */
export function checkSlack(r: RequestView, path: string, creds: Credentials): Checked {
  return firstFailure(
    [
      () =>
        path === creds.slackPath
          ? undefined
          : { problems: ['unknown webhook'], answer: plain(404, 'no_service') },
      () =>
        r.body === undefined
          ? { problems: ['body is not JSON'], answer: plain(400, 'invalid_payload') }
          : undefined,
      () => {
        if (r.body === undefined) return undefined;
        const b = r.body as { text?: unknown; blocks?: unknown };
        if (b.text === undefined && b.blocks === undefined) {
          return { problems: ['neither text nor blocks'], answer: plain(400, 'no_text') };
        }
        return { problems: schema(slackMessage, r.body), answer: plain(400, 'invalid_blocks') };
      },
    ],
    plain(200, 'ok'),
  );
}

/** PagerDuty Events API v2: 202 with the dedup key, or 400 "invalid event" listing the errors. */
export function checkPagerDuty(r: RequestView): Checked {
  const invalid = (errors: string[]) =>
    json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
  const b = r.body as { event_action?: unknown; payload?: unknown; dedup_key?: unknown } | undefined;
  const checked = firstFailure(
    [
      () =>
        r.raw.length > PAGERDUTY_MAX_BYTES
          ? { problems: ['body over 512 KB'], answer: invalid(['Event object is too large']) }
          : undefined,
      () => {
        if (r.body === undefined)
          return { problems: ['body is not JSON'], answer: invalid(['Invalid JSON']) };
        const problems = schema(pagerdutyEvent, r.body);
        if (b?.event_action === 'trigger' && b.payload === undefined) problems.push("'payload' is missing");
        if (b?.event_action !== 'trigger' && b?.dedup_key === undefined)
          problems.push("'dedup_key' is missing");
        return { problems, answer: invalid(problems) };
      },
    ],
    json(202, { status: 'success', message: 'Event processed', dedup_key: '' }),
  );
  if (checked.problems.length === 0) {
    const key = typeof b?.dedup_key === 'string' ? b.dedup_key : randomUUID().replaceAll('-', '');
    checked.answer = json(202, { status: 'success', message: 'Event processed', dedup_key: key });
  }
  return checked;
}

/** The generic webhook: signature (when a secret is set), then `{"version":1,"alert":…}`. */
export function checkWebhook(r: RequestView, secrets: ServiceSecrets): Checked {
  const header = (name: string) => {
    const value = r.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return firstFailure(
    [
      () =>
        secrets.webhook === undefined
          ? undefined
          : {
              problems: checkWebhookSignature(
                header('x-timestamp'),
                header('x-signature'),
                r.raw,
                secrets.webhook,
                r.now,
              ),
              answer: json(401, { error: 'invalid signature' }),
            },
      () => {
        const problems = r.body === undefined ? ['body is not JSON'] : schema(webhookBody, r.body);
        return { problems, answer: json(400, { error: 'invalid alert', problems }) };
      },
    ],
    json(200, { ok: true }),
  );
}

export const TARGETS: readonly ReceiverTarget[] = [
  'dingtalk',
  'lark',
  'wecom',
  'slack',
  'pagerduty',
  'webhook',
];
