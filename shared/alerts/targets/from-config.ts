import type { AlertConfig } from '../alert-config.js';
import { dingtalkTarget } from './dingtalk.js';
import { larkTarget } from './lark.js';
import { pagerdutyTarget } from './pagerduty.js';
import { slackTarget } from './slack.js';
import type { AlertTarget } from './target.js';
import { webhookTarget } from './webhook.js';
import { wecomTarget } from './wecom.js';

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
