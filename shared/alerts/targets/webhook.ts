import { createHmac } from 'node:crypto';
import type { AlertGroup } from '../alert-group.js';
import {
  type AlertRequest,
  type AlertTarget,
  type BuildContext,
  classifyStatus,
  JSON_HEADERS,
  type TargetAnswer,
} from './target.js';
import { fitRendering, truncateText, utf8Bytes } from './truncate.js';

/*
 * The generic JSON webhook (our own format; README "Generic webhook"): POST `{"version":1,"alert":<AlertGroup>}`.
 * With ALERT_WEBHOOK_SECRET set, `X-Timestamp: <unix seconds>` and
 * `X-Signature: sha256=<hex HMAC-SHA256(key = secret, msg = raw body bytes)>`. Answers: 2xx delivered; 408, 429
 * (honouring Retry-After) and 5xx retried; any other 4xx a configuration error.
 */

export interface WebhookConfig {
  url: string;
  secret?: string;
}

export const WEBHOOK_FORMAT_VERSION = 1;
export const WEBHOOK_MAX_BODY_BYTES = 256 * 1024;

export interface WebhookBody {
  version: typeof WEBHOOK_FORMAT_VERSION;
  alert: AlertGroup;
}

/** `sha256=<hex>` over the raw body. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The body for `group`: the group as it is, or with fewer instances and shorter text when over the limit. */
export function webhookBody(group: AlertGroup): WebhookBody {
  return fitRendering(
    group.instances.length,
    (shown, textMax) => ({ version: WEBHOOK_FORMAT_VERSION, alert: trimmed(group, shown, textMax) }),
    (body) => utf8Bytes(JSON.stringify(body)) <= WEBHOOK_MAX_BODY_BYTES,
    { textBudgets: [Number.POSITIVE_INFINITY, 4000, 1000, 200] },
  );
}

function trimmed(group: AlertGroup, shown: number, textMax: number): AlertGroup {
  if (shown >= group.instances.length && textMax === Number.POSITIVE_INFINITY) return group;
  const instances = group.instances.slice(0, shown);
  const out: AlertGroup = {
    ...group,
    message: truncateText(group.message, textMax),
    advice: truncateText(group.advice, textMax),
    instances,
    more: group.instances.length > 0 ? Math.max(0, group.count - instances.length) : group.more,
  };
  if (group.sample !== undefined) out.sample = truncateText(group.sample, textMax);
  return out;
}

export function webhookTarget(config: WebhookConfig): AlertTarget {
  return {
    name: 'webhook',
    secrets: [config.url, ...(config.secret ? [config.secret] : [])],
    buildRequest(group: AlertGroup, context: BuildContext): AlertRequest {
      const body = JSON.stringify(webhookBody(group));
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (config.secret !== undefined) {
        headers['x-timestamp'] = String(Math.floor(context.now / 1000));
        headers['x-signature'] = webhookSignature(config.secret, body);
      }
      return { url: config.url, headers, body };
    },
    classify: (answer: TargetAnswer) => classifyStatus(answer),
  };
}
