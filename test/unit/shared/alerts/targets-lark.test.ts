import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyLarkAnswer, larkSign, larkTarget } from '../../../../shared/alerts/targets/lark.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const WEBHOOK = 'https://open.feishu.cn/open-apis/bot/v2/hook/6a5e2f5c-0000-4000-8000-0123456789ab';
const SECRET = 'lark-signing-secret-0123456789';
const NOW = 1_767_323_045_678;

describe('Lark target', () => {
  it('puts timestamp (seconds, a string) and sign = base64(HmacSHA256(key = timestamp + "\\n" + secret, "")) in the body', () => {
    const request = larkTarget({ webhook: WEBHOOK, secret: SECRET }).buildRequest(smallGroup(), {
      now: NOW,
      eventAction: 'trigger',
    });
    const body = JSON.parse(request.body) as Record<string, unknown>;
    const timestamp = '1767323045';
    const sign = createHmac('sha256', `${timestamp}\n${SECRET}`).update(Buffer.alloc(0)).digest('base64');
    expect(body.timestamp).toBe(timestamp);
    expect(body.sign).toBe(sign);
    expect(larkSign(timestamp, SECRET)).toBe(sign);
    expect(request.url).toBe(WEBHOOK);
  });

  it('posts an interactive card with the facts as short fields and the instances as links', () => {
    const group = smallGroup();
    const request = larkTarget({ webhook: WEBHOOK }).buildRequest(group, {
      now: NOW,
      eventAction: 'trigger',
    });
    const md = (content: string) => ({ tag: 'lark_md', content });
    const field = (label: string, value: string) => ({ is_short: true, text: md(`**${label}**\n${value}`) });
    const url = (id: string) => `https://ecs.console.aliyun.com/server/${id}/detail?regionId=cn-hangzhou`;
    expect(JSON.parse(request.body)).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: {
          template: 'orange',
          title: {
            tag: 'plain_text',
            content: '[ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed)',
          },
        },
        elements: [
          {
            tag: 'div',
            fields: [
              field('Count', '2 instances'),
              field('Account', '1234567890123456'),
              field('Region', 'cn-hangzhou'),
              field('Kind', 'attach-failed'),
              field('Error code', 'InvalidRamRole.NotFound'),
              field('Role', 'EcsAppRole'),
              field('Severity', 'error'),
              field('Error class', 'permanent'),
              field('First seen', '2026-01-02T03:04:06.000Z'),
              field('Last seen', '2026-01-02T03:04:07.000Z'),
            ],
          },
          { tag: 'div', text: md('**Message**\nThe specified RAM role does not exist.') },
          { tag: 'div', text: md(`**Advice**\n${group.advice}`) },
          {
            tag: 'div',
            text: md(
              `**Instances**\n- [i-bp100000000000000001](${url('i-bp100000000000000001')}) · cn-hangzhou\n- [i-bp100000000000000002](${url('i-bp100000000000000002')}) · cn-hangzhou`,
            ),
          },
          { tag: 'hr' },
          { tag: 'note', elements: [{ tag: 'plain_text', content: `Alert key ${group.key}` }] },
        ],
      },
    });
  });

  it.each([
    [200, '{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}', 'ok'],
    [200, '{"StatusCode":0,"StatusMessage":"success"}', 'ok'],
    [
      200,
      '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
      'configuration',
    ],
    [200, '{"code":19024,"msg":"Key Words Not Found"}', 'configuration'],
    [200, '{"code":19022,"msg":"Ip Not Allowed"}', 'configuration'],
    [400, '{"code":9499,"msg":"Bad Request","data":{}}', 'configuration'],
    [200, '{"code":9499,"msg":"too many request"}', 'retryable'],
    [200, '{"code":11232,"msg":"frequency limited"}', 'retryable'],
    [500, '{"code":1,"msg":"internal"}', 'retryable'],
    [503, 'upstream unavailable', 'retryable'],
    [200, 'not json', 'retryable'],
  ] as const)('HTTP %i %s → %s', (status, body, outcome) => {
    expect(classifyLarkAnswer(answer(status, body)).outcome).toBe(outcome);
  });
});
