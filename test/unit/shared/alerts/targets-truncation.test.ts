import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '../../../../shared/alerts/alert-group.js';
import { DINGTALK_MAX_BODY_BYTES, dingtalkTarget } from '../../../../shared/alerts/targets/dingtalk.js';
import { LARK_MAX_BODY_BYTES, larkTarget } from '../../../../shared/alerts/targets/lark.js';
import {
  PAGERDUTY_MAX_BODY_BYTES,
  PAGERDUTY_SUMMARY_CHARS,
  pagerdutyTarget,
} from '../../../../shared/alerts/targets/pagerduty.js';
import {
  fitsSlack,
  SLACK_LIMITS,
  type SlackMessage,
  slackTarget,
} from '../../../../shared/alerts/targets/slack.js';
import type { AlertTarget } from '../../../../shared/alerts/targets/target.js';
import { MARKDOWN_LINK, truncateText } from '../../../../shared/alerts/targets/truncate.js';
import { WEBHOOK_MAX_BODY_BYTES, webhookTarget } from '../../../../shared/alerts/targets/webhook.js';
import { WECOM_MAX_CONTENT_BYTES, wecomTarget } from '../../../../shared/alerts/targets/wecom.js';
import { bigGroup } from './alert-groups.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const targets: Record<string, AlertTarget> = {
  dingtalk: dingtalkTarget({
    webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t0k3n0123',
    secret: 'SECsecret0123',
  }),
  lark: larkTarget({
    webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/h00k-0123',
    secret: 'larksecret0123',
  }),
  wecom: wecomTarget({ webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y-0123' }),
  slack: slackTarget({ webhook: 'https://hooks.slack.com/services/T0/B0/t0k3n0123' }),
  pagerduty: pagerdutyTarget({
    routingKey: 'r'.repeat(32),
    eventsUrl: 'https://events.pagerduty.com/v2/enqueue',
  }),
  webhook: webhookTarget({ url: 'https://alerts.example.com/hook', secret: 'whsecret0123' }),
};

/** The part of each message a person reads, and whether the target's own size limit holds. */
function inspect(name: string, body: string): { text: string; withinLimit: boolean } {
  const doc = JSON.parse(body) as Record<string, unknown>;
  switch (name) {
    case 'dingtalk': {
      const text = (doc.markdown as { text: string }).text;
      return { text, withinLimit: bytes(body) <= DINGTALK_MAX_BODY_BYTES };
    }
    case 'lark':
      return { text: body, withinLimit: bytes(body) <= LARK_MAX_BODY_BYTES };
    case 'wecom': {
      const content = (doc.markdown as { content: string }).content;
      return { text: content, withinLimit: bytes(content) <= WECOM_MAX_CONTENT_BYTES };
    }
    case 'slack': {
      const message = doc as unknown as SlackMessage;
      const header = message.blocks[0];
      const headerOk = header?.type === 'header' && header.text.text.length <= SLACK_LIMITS.headerChars;
      return { text: body, withinLimit: fitsSlack(message) && headerOk };
    }
    case 'pagerduty': {
      const payload = doc.payload as { summary: string };
      return {
        text: body,
        withinLimit:
          payload.summary.length <= PAGERDUTY_SUMMARY_CHARS && bytes(body) <= PAGERDUTY_MAX_BODY_BYTES,
      };
    }
    default:
      return { text: body, withinLimit: bytes(body) <= WEBHOOK_MAX_BODY_BYTES };
  }
}

function build(target: AlertTarget, group: AlertGroup): string {
  return target.buildRequest(group, { now: 1_767_323_045_000, eventAction: 'trigger' }).body;
}

describe('a 1,000-instance group with a very long message', () => {
  const group = bigGroup();

  it('is grouped as the alert function groups it: 10 listed, 990 more', () => {
    expect(group).toMatchObject({ count: 1000, more: 990 });
    expect(group.instances).toHaveLength(10);
  });

  it.each(Object.keys(targets))(
    '%s: within its size limits, every listed instance linked, "and 990 more"',
    (name) => {
      const target = targets[name] as AlertTarget;
      const body = build(target, group);
      const { text, withinLimit } = inspect(name, body);
      expect(withinLimit).toBe(true);
      expect(LONE_SURROGATE.test(body)).toBe(false);
      for (const instance of group.instances) expect(text).toContain(instance.consoleUrl);
      if (name === 'webhook') {
        expect(JSON.parse(body).alert).toMatchObject({ count: 1000, more: 990 });
      } else {
        expect(text).toContain('and 990 more');
        expect(text).toContain('1000 instances');
        // The message is cut, but its beginning is there.
        expect(text).toContain('角色不存在 🚨 角色不存在');
      }
    },
  );

  it.each(Object.keys(targets))('%s: with all 1,000 listed, shows what fits and counts the rest', (name) => {
    const target = targets[name] as AlertTarget;
    const all = bigGroup({ maxListed: 1000 });
    const body = build(target, all);
    const { text, withinLimit } = inspect(name, body);
    expect(withinLimit).toBe(true);
    expect(LONE_SURROGATE.test(body)).toBe(false);
    const shown = all.instances.filter((i) => text.includes(`${i.consoleUrl}`)).length;
    expect(shown).toBeGreaterThanOrEqual(10);
    if (shown < 1000) expect(text).toContain(`and ${1000 - shown} more`);
  });
});

describe('truncateText', () => {
  it('keeps short text as it is', () => {
    expect(truncateText('abc', 3)).toBe('abc');
  });

  it('never cuts a surrogate pair or an emoji sequence', () => {
    for (let max = 2; max < 40; max++) {
      const out = truncateText('🚀'.repeat(30), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(LONE_SURROGATE.test(out)).toBe(false);
      expect(out.endsWith('…')).toBe(true);
    }
    const family = '👨‍👩‍👧‍👦';
    const out = truncateText(`${family}${family}${family}`, family.length * 2);
    expect(out).toBe(`${family}…`);
  });

  it('never cuts a markdown link in half: the cut moves before it', () => {
    const link = '[the RAM console](https://ram.console.aliyun.com/roles/EcsAppRole)';
    const text = `${'x'.repeat(50)} ${link} tail`;
    for (let max = 52; max < 50 + link.length + 2; max++) {
      const out = truncateText(text, max, { atomic: MARKDOWN_LINK });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out === `${'x'.repeat(50)}…` || out.includes(link)).toBe(true);
    }
  });

  it('keeps a link whole in a rendered message whose text is cut across it', () => {
    const link = '[the RAM console](https://ram.console.aliyun.com/roles/EcsAppRole)';
    const group = { ...bigGroup(), message: `${'x'.repeat(1990)} ${link} ${'y'.repeat(3000)}` };
    const body = build(targets.dingtalk as AlertTarget, group);
    const text = (JSON.parse(body).markdown as { text: string }).text;
    const partial = text.includes('[the RAM') && !text.includes(link);
    expect(partial).toBe(false);
    expect(text).toContain(`**Message:** ${'x'.repeat(100)}`);
  });
});
