import { type DingTalkConfig, dingtalkTarget } from './dingtalk.js';
import { type LarkConfig, larkTarget } from './lark.js';
import { type PagerDutyConfig, pagerdutyTarget } from './pagerduty.js';
import { type SlackConfig, slackTarget } from './slack.js';
import type { AlertTarget } from './target.js';
import { type WebhookConfig, webhookTarget } from './webhook.js';
import { type WeComConfig, wecomTarget } from './wecom.js';

/**
 * Where alerts go: any combination, at least one. The targets own this shape (each reads its own part);
 * `alert-config.ts` builds it from the environment.
 */
export interface AlertConfig {
  dingtalk?: DingTalkConfig;
  lark?: LarkConfig;
  wecom?: WeComConfig;
  slack?: SlackConfig;
  pagerduty?: PagerDutyConfig;
  webhook?: WebhookConfig;
}

/** One target per configured destination, in a fixed order. */
export function alertTargets(config: AlertConfig): AlertTarget[] {
  const targets: AlertTarget[] = [];
  if (config.dingtalk) targets.push(dingtalkTarget(config.dingtalk));
  if (config.lark) targets.push(larkTarget(config.lark));
  if (config.wecom) targets.push(wecomTarget(config.wecom));
  if (config.slack) targets.push(slackTarget(config.slack));
  if (config.pagerduty) targets.push(pagerdutyTarget(config.pagerduty));
  if (config.webhook) targets.push(webhookTarget(config.webhook));
  return targets;
}
