import * as z from 'zod/mini';
import { ConfigError, configProblems } from '../config/config.js';
import { registerSecret } from '../logging/logger.js';
import type { DingTalkConfig } from './targets/dingtalk.js';
import { alertTargets } from './targets/from-config.js';
import type { LarkConfig } from './targets/lark.js';
import { PAGERDUTY_EVENTS_URL, type PagerDutyConfig } from './targets/pagerduty.js';
import type { SlackConfig } from './targets/slack.js';
import type { WebhookConfig } from './targets/webhook.js';
import type { WeComConfig } from './targets/wecom.js';

/** Where alerts go: any combination, at least one. */
export interface AlertConfig {
  dingtalk?: DingTalkConfig;
  lark?: LarkConfig;
  wecom?: WeComConfig;
  slack?: SlackConfig;
  pagerduty?: PagerDutyConfig;
  webhook?: WebhookConfig;
}

export const ALERT_ENV_VARS = [
  'DINGTALK_WEBHOOK',
  'DINGTALK_SECRET',
  'LARK_WEBHOOK',
  'LARK_SECRET',
  'WECOM_WEBHOOK',
  'SLACK_WEBHOOK',
  'PAGERDUTY_ROUTING_KEY',
  'PAGERDUTY_EVENTS_URL',
  'ALERT_WEBHOOK',
  'ALERT_WEBHOOK_SECRET',
] as const;

// Messages never quote the value: these variables hold credentials.
const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `expected an http(s) URL (${what})` });

const withQueryParam = (name: string, what: string) =>
  httpUrl(what).check(
    z.refine((value) => (new URL(value).searchParams.get(name) ?? '') !== '', {
      message: `expected an http(s) URL with its ${name} query parameter (${what})`,
    }),
  );

const secret = z.string().check(z.minLength(8, 'expected the signing secret (8 characters or more)'));

const envSchema = z.object({
  DINGTALK_WEBHOOK: z.optional(
    withQueryParam('access_token', 'https://oapi.dingtalk.com/robot/send?access_token=…'),
  ),
  DINGTALK_SECRET: z.optional(secret),
  LARK_WEBHOOK: z.optional(httpUrl('https://open.feishu.cn/open-apis/bot/v2/hook/…')),
  LARK_SECRET: z.optional(secret),
  WECOM_WEBHOOK: z.optional(withQueryParam('key', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…')),
  SLACK_WEBHOOK: z.optional(httpUrl('https://hooks.slack.com/services/…')),
  // "This is the 32 character Integration Key" (Events API v2, routing_key).
  PAGERDUTY_ROUTING_KEY: z.optional(
    z.string().check(z.regex(/^\S{32}$/, 'expected the 32-character Events API v2 integration key')),
  ),
  PAGERDUTY_EVENTS_URL: z._default(httpUrl(PAGERDUTY_EVENTS_URL), PAGERDUTY_EVENTS_URL),
  ALERT_WEBHOOK: z.optional(httpUrl('the JSON webhook to POST alerts to')),
  ALERT_WEBHOOK_SECRET: z.optional(secret),
});

/** A secret without the URL it signs for is a mistake worth naming (the alert would silently not be signed). */
const NEEDS: readonly [string, string][] = [
  ['DINGTALK_SECRET', 'DINGTALK_WEBHOOK'],
  ['LARK_SECRET', 'LARK_WEBHOOK'],
  ['ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK'],
];

/**
 * Reads the alert targets from the environment once, validating every variable and naming each bad one (never its
 * value). Registers every URL, token, key and secret with the logger so no log line carries them. Empty variables
 * count as unset. Throws ConfigError when a variable is invalid or no target is configured.
 */
export function loadAlertConfig(env: NodeJS.ProcessEnv): AlertConfig {
  const present: Record<string, string> = {};
  for (const name of ALERT_ENV_VARS) {
    const value = env[name]?.trim();
    if (value) present[name] = value;
  }
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success ? [] : configProblems(parsed.error.issues, present);
  for (const [name, needs] of NEEDS) {
    if (present[name] !== undefined && present[needs] === undefined)
      problems.push(`${name} is set but ${needs} is not`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid alert configuration: ${problems.join('; ')}`);
  const e = parsed.data as z.infer<typeof envSchema>;

  const config: AlertConfig = {};
  if (e.DINGTALK_WEBHOOK)
    config.dingtalk = { webhook: e.DINGTALK_WEBHOOK, ...opt('secret', e.DINGTALK_SECRET) };
  if (e.LARK_WEBHOOK) config.lark = { webhook: e.LARK_WEBHOOK, ...opt('secret', e.LARK_SECRET) };
  if (e.WECOM_WEBHOOK) config.wecom = { webhook: e.WECOM_WEBHOOK };
  if (e.SLACK_WEBHOOK) config.slack = { webhook: e.SLACK_WEBHOOK };
  if (e.PAGERDUTY_ROUTING_KEY) {
    config.pagerduty = { routingKey: e.PAGERDUTY_ROUTING_KEY, eventsUrl: e.PAGERDUTY_EVENTS_URL };
  }
  if (e.ALERT_WEBHOOK) config.webhook = { url: e.ALERT_WEBHOOK, ...opt('secret', e.ALERT_WEBHOOK_SECRET) };
  if (Object.keys(config).length === 0) {
    throw new ConfigError(
      'no alert target configured: set at least one of DINGTALK_WEBHOOK, LARK_WEBHOOK, WECOM_WEBHOOK, SLACK_WEBHOOK, PAGERDUTY_ROUTING_KEY or ALERT_WEBHOOK',
    );
  }
  registerAlertSecrets(config);
  return config;
}

/** Registers every credential of `config` with the logger's scrubber (also done by `sendAlerts`). */
export function registerAlertSecrets(config: AlertConfig): void {
  for (const value of alertSecrets(config)) registerSecret(value);
}

/** The credentials in `config`: webhook URLs, the tokens and keys inside them, signing secrets, routing key. */
export function alertSecrets(config: AlertConfig): string[] {
  return alertTargets(config).flatMap((target) => target.secrets);
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
