import * as z from 'zod/mini';

/*
 * What each service accepts, as its documentation states it (the sources are cited in shared/alerts/targets/).
 * Only the message types the services document are modelled, with their size limits.
 */

const text = z.string().check(z.minLength(1));

/** DingTalk custom robot: `text` and `markdown` messages. */
export const dingtalkMessage = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('text'), text: z.object({ content: text }) }),
  z.object({ msgtype: z.literal('markdown'), markdown: z.object({ title: text, text }) }),
]);
export const DINGTALK_MAX_BYTES = 20_000;

const larkText = z.object({ tag: z.enum(['plain_text', 'lark_md']), content: z.string() });
const larkElement = z.union([
  z.object({
    tag: z.literal('div'),
    text: z.optional(larkText),
    fields: z.optional(z.array(z.object({ is_short: z.boolean(), text: larkText }))),
  }),
  z.object({ tag: z.literal('hr') }),
  z.object({ tag: z.literal('note'), elements: z.array(larkText) }),
  z.object({ tag: z.literal('markdown'), content: z.string() }),
]);

/** Lark custom bot: `text` and `interactive` (card JSON 1.0), optionally signed (`timestamp`, `sign`). */
export const larkMessage = z.intersection(
  z.object({ timestamp: z.optional(z.string().check(z.regex(/^\d+$/))), sign: z.optional(z.string()) }),
  z.discriminatedUnion('msg_type', [
    z.object({ msg_type: z.literal('text'), content: z.object({ text }) }),
    z.object({
      msg_type: z.literal('interactive'),
      card: z.object({
        config: z.optional(z.object({ wide_screen_mode: z.optional(z.boolean()) })),
        header: z.optional(
          z.object({
            template: z.optional(z.string()),
            title: z.object({ tag: z.literal('plain_text'), content: text }),
          }),
        ),
        elements: z.array(larkElement).check(z.minLength(1)),
      }),
    }),
  ]),
);
export const LARK_MAX_BYTES = 20 * 1024;

/** WeCom group robot: `text` (≤ 2048 bytes) and `markdown` (≤ 4096 bytes) messages. */
export const wecomMessage = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('text'), text: z.object({ content: text }) }),
  z.object({ msgtype: z.literal('markdown'), markdown: z.object({ content: text }) }),
]);
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
export const WECOM_TEXT_MAX_BYTES = 2048;

const slackPlain = z.object({
  type: z.literal('plain_text'),
  text: z.string(),
  emoji: z.optional(z.boolean()),
});
const slackMrkdwn = z.object({ type: z.literal('mrkdwn'), text: z.string().check(z.maxLength(3000)) });
/** Block Kit: header ≤ 150 characters, section text ≤ 3000, ≤ 10 fields of ≤ 2000, ≤ 50 blocks. */
const slackBlock = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('header'),
    text: z.object({ ...slackPlain.shape, text: z.string().check(z.minLength(1), z.maxLength(150)) }),
  }),
  z.object({
    type: z.literal('section'),
    text: z.optional(z.union([slackMrkdwn, slackPlain])),
    fields: z.optional(
      z
        .array(
          z.object({ type: z.enum(['mrkdwn', 'plain_text']), text: z.string().check(z.maxLength(2000)) }),
        )
        .check(z.maxLength(10)),
    ),
  }),
  z.object({ type: z.literal('context'), elements: z.array(slackMrkdwn).check(z.maxLength(10)) }),
  z.object({ type: z.literal('divider') }),
]);
export const slackMessage = z.object({
  text: z.optional(z.string()),
  blocks: z.optional(z.array(slackBlock).check(z.maxLength(50))),
});

/** PagerDuty Events API v2 alert event. */
export const pagerdutyEvent = z.object({
  routing_key: z
    .string()
    .check(z.length(32, "Length of 'routing_key' is incorrect (should be 32 characters)")),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  payload: z.optional(
    z.object({
      summary: z.string().check(z.minLength(1), z.maxLength(1024)),
      source: text,
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.optional(z.iso.datetime({ offset: true })),
      component: z.optional(z.string()),
      group: z.optional(z.string()),
      class: z.optional(z.string()),
      custom_details: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
  links: z.optional(z.array(z.object({ href: text, text: z.optional(z.string()) }))),
  images: z.optional(
    z.array(z.object({ src: text, href: z.optional(z.string()), alt: z.optional(z.string()) })),
  ),
  client: z.optional(z.string()),
  client_url: z.optional(z.string()),
});
export const PAGERDUTY_MAX_BYTES = 512 * 1024;

const alertInstance = z.strictObject({
  instanceId: text,
  regionId: text,
  consoleUrl: z.url({ protocol: /^https$/ }),
  previousRole: z.optional(z.string()),
});

/** The generic webhook body: `{"version":1,"alert":<AlertGroup>}` (shared/alerts/alert-group.ts). */
export const webhookBody = z.strictObject({
  version: z.literal(1),
  alert: z.strictObject({
    key: text,
    accountId: z.optional(z.string()),
    regionId: z.optional(z.string()),
    kind: text,
    code: text,
    role: z.optional(z.string()),
    errorClass: z.enum(['retryable', 'permanent', 'unknown']),
    message: z.string(),
    advice: z.string(),
    severity: z.enum(['critical', 'error', 'warning']),
    count: z.number().check(z.int(), z.gte(0)),
    instances: z.array(alertInstance),
    more: z.number().check(z.int(), z.gte(0)),
    firstAt: z.optional(z.string()),
    lastAt: z.optional(z.string()),
    sample: z.optional(z.string()),
  }),
});

/** Issues as `path: message` lines. */
export function issues(error: z.core.$ZodError): string[] {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
}
