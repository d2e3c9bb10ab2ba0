import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  classifyDingTalkAnswer,
  dingtalkSign,
  dingtalkTarget,
} from '../../../../shared/alerts/targets/dingtalk.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const WEBHOOK = 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef';
const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const NOW = 1_767_323_045_000;

describe('DingTalk target', () => {
  it('signs as 加签 documents it (a published vector)', () => {
    // docs.rs `dingding` crate test vector for timestamp 1700000000000 and secret "secret".
    expect(dingtalkSign('1700000000000', 'secret')).toBe(
      'OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D',
    );
  });

  it('appends timestamp (ms) and the URL-encoded sign to the webhook and posts the markdown message', () => {
    const group = smallGroup();
    const request = dingtalkTarget({ webhook: WEBHOOK, secret: SECRET }).buildRequest(group, {
      now: NOW,
      eventAction: 'trigger',
    });
    // sign = urlEncode(base64(HmacSHA256(key = secret, msg = timestamp + "\n" + secret)))
    const sign = encodeURIComponent(
      createHmac('sha256', SECRET).update(`${NOW}\n${SECRET}`).digest().toString('base64'),
    );
    expect(request.url).toBe(`${WEBHOOK}&timestamp=${NOW}&sign=${sign}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const url = (id: string) => `https://ecs.console.aliyun.com/server/${id}/detail?regionId=cn-hangzhou`;
    expect(JSON.parse(request.body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: '[ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed)',
        text: [
          '#### [ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed)',
          '**Count:** 2 instances',
          '**Account:** 1234567890123456',
          '**Region:** cn-hangzhou',
          '**Kind:** attach-failed',
          '**Error code:** InvalidRamRole.NotFound',
          '**Role:** EcsAppRole',
          '**Severity:** error',
          '**Error class:** permanent',
          '**First seen:** 2026-01-02T03:04:06.000Z',
          '**Last seen:** 2026-01-02T03:04:07.000Z',
          '**Message:** The specified RAM role does not exist.',
          `**Advice:** ${group.advice}`,
          `**Instances:**\n\n- [i-bp100000000000000001](${url('i-bp100000000000000001')}) · cn-hangzhou\n- [i-bp100000000000000002](${url('i-bp100000000000000002')}) · cn-hangzhou`,
          `Alert key: ${group.key}`,
        ].join('\n\n'),
      },
    });
  });

  it('leaves the URL alone without a secret', () => {
    const request = dingtalkTarget({ webhook: WEBHOOK }).buildRequest(smallGroup(), {
      now: NOW,
      eventAction: 'trigger',
    });
    expect(request.url).toBe(WEBHOOK);
  });

  it.each([
    [200, '{"errcode":0,"errmsg":"ok"}', 'ok'],
    [200, '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}', 'retryable'],
    [200, '{"errcode":410100,"errmsg":"send too fast"}', 'retryable'],
    [200, '{"errcode":-1,"errmsg":"系统繁忙"}', 'retryable'],
    [200, '{"errcode":310000,"errmsg":"sign not match"}', 'configuration'],
    [200, '{"errcode":310000,"errmsg":"keywords not in content"}', 'configuration'],
    [200, '{"errcode":300001,"errmsg":"token is not exist"}', 'configuration'],
    [200, '{"errcode":400102,"errmsg":"robot stopped"}', 'configuration'],
    [200, '<html>gateway</html>', 'retryable'],
    [502, 'Bad Gateway', 'retryable'],
    [404, 'not found', 'configuration'],
  ] as const)('HTTP %i %s → %s', (status, body, outcome) => {
    expect(classifyDingTalkAnswer(answer(status, body)).outcome).toBe(outcome);
  });
});
