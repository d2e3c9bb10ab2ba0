import * as z from 'zod/mini';
import { ConfigError, readEnv } from '../config/env-vars.js';
import { registerSecret } from '../logging/logger.js';
import { type AlertConfig, alertTargets } from './targets/from-config.js';
import { PAGERDUTY_EVENTS_URL } from './targets/pagerduty.js';

export type { AlertConfig } from './targets/from-config.js';

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

/** Variables holding credentials: messages never quote their values. */
const CREDENTIALS: ReadonlySet<string> = new Set(
  ALERT_ENV_VARS.filter((name) => name !== 'PAGERDUTY_EVENTS_URL'),
);

const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `an http(s) URL (${what})` });

const withQueryParam = (name: string, what: string) =>
  httpUrl(what).check(
    z.refine((value) => (new URL(value).searchParams.get(name) ?? '') !== '', {
      message: `an http(s) URL with its ${name} query parameter (${what})`,
    }),
  );

const secret = z.string().check(z.minLength(8, 'a signing secret of 8 characters or more'));

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
    z.string().check(z.regex(/^\S{32}$/, 'a 32-character Events API v2 integration key')),
  ),
  PAGERDUTY_EVENTS_URL: z._default(httpUrl(PAGERDUTY_EVENTS_URL), PAGERDUTY_EVENTS_URL),
  ALERT_WEBHOOK: z.optional(httpUrl('the JSON webhook to POST alerts to')),
  ALERT_WEBHOOK_SECRET: z.optional(secret),
});

/**
 * A variable that means nothing without another is a mistake worth naming: a secret without the URL it signs for
 * (the alert would silently not be signed), an events URL without the key that pages.
 */
const NEEDS: readonly [string, string][] = [
  ['DINGTALK_SECRET', 'DINGTALK_WEBHOOK'],
  ['LARK_SECRET', 'LARK_WEBHOOK'],
  ['ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK'],
  ['PAGERDUTY_EVENTS_URL', 'PAGERDUTY_ROUTING_KEY'],
];

const NO_TARGET = `no alert target configured: set at least one of DINGTALK_WEBHOOK, LARK_WEBHOOK, WECOM_WEBHOOK, SLACK_WEBHOOK, PAGERDUTY_ROUTING_KEY or ALERT_WEBHOOK`;

/**
 * Reads and validates the alert targets, naming each bad variable (never a credential's value) and each one set
 * without the one it needs. Empty variables count as unset. `config` is undefined when there are problems.
 */
export function readAlertConfig(env: NodeJS.ProcessEnv): { config?: AlertConfig; problems: string[] } {
  const { values: e, set, problems } = readEnv(envSchema, env, CREDENTIALS);
  for (const [name, needs] of NEEDS) {
    if (set[name] !== undefined && set[needs] === undefined)
      problems.push(`${name} is set but ${needs} is not`);
  }
  if (e === undefined || problems.length > 0) return { problems };

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
  return Object.keys(config).length === 0 ? { problems: [NO_TARGET] } : { config, problems: [] };
}

/**
 * Reads the alert targets from the environment once (`readAlertConfig`) and registers every URL, token, key and
 * secret with the logger so no log line carries them. Throws ConfigError listing every problem.
 */
export function loadAlertConfig(env: NodeJS.ProcessEnv): AlertConfig {
  const { config, problems } = readAlertConfig(env);
  if (config === undefined) throw new ConfigError(problems);
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
