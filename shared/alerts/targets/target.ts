import type { AlertGroup } from '../alert-group.js';

/** The places an alert can be delivered to, one module each in this folder. */
export const TARGET_NAMES = ['dingtalk', 'lark', 'wecom', 'slack', 'pagerduty', 'webhook'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** PagerDuty Events API v2 `event_action`: our redrive tool resolves what an earlier batch triggered. */
export type EventAction = 'trigger' | 'resolve';

export interface BuildContext {
  /** Epoch milliseconds: signing timestamps are taken from here (a test pins it). */
  now: number;
  eventAction: EventAction;
}

/** One HTTP POST, ready for `fetch`. */
export interface AlertRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came back, read fully. */
export interface TargetAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * How a target's answer is taken: delivered; worth another try (5xx, rate limit); or a sign that our configuration
 * (URL, token, secret, keyword) is wrong, which no retry can fix.
 */
export type AnswerVerdict =
  | { outcome: 'ok' }
  | { outcome: 'retryable'; code: string; reason: string; retryAfterMs?: number }
  | { outcome: 'configuration'; code: string; reason: string };

export interface AlertTarget {
  readonly name: TargetName;
  /** Values that must never reach a log line: webhook URLs, tokens, keys, secrets. */
  readonly secrets: readonly string[];
  buildRequest(group: AlertGroup, context: BuildContext): AlertRequest;
  classify(answer: TargetAnswer): AnswerVerdict;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
};

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Milliseconds to wait, or undefined when absent
 * or unreadable.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The HTTP-level verdict shared by every target: 2xx delivered; 408, 429 and 5xx worth retrying (429 honouring
 * `Retry-After`); any other 4xx a configuration error. Targets that answer 200 with an error code refine this.
 */
export function classifyStatus(answer: TargetAnswer): AnswerVerdict {
  const { status } = answer;
  if (status >= 200 && status < 300) return { outcome: 'ok' };
  const reason = `HTTP ${status}`;
  if (status === 429) {
    const wait = retryAfterMs(answer.headers);
    return {
      outcome: 'retryable',
      code: 'RateLimited',
      reason,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  if (status === 408 || status >= 500) {
    const wait = retryAfterMs(answer.headers);
    return {
      outcome: 'retryable',
      code: 'ServiceUnavailable',
      reason,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  return { outcome: 'configuration', code: `HTTP${status}`, reason };
}

/** The body parsed as a JSON object, or undefined. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
