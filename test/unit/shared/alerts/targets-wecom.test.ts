import { describe, expect, it } from 'vitest';
import { classifyWeComAnswer, wecomTarget } from '../../../../shared/alerts/targets/wecom.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const WEBHOOK = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa';

describe('WeCom target', () => {
  it('posts {"msgtype":"markdown","markdown":{"content"}} to the webhook', () => {
    const group = smallGroup();
    const request = wecomTarget({ webhook: WEBHOOK }).buildRequest(group, { now: 0, eventAction: 'trigger' });
    expect(request.url).toBe(WEBHOOK);
    const url = (id: string) => `https://ecs.console.aliyun.com/server/${id}/detail?regionId=cn-hangzhou`;
    const fact = (label: string, value: string) => `> ${label}: <font color="comment">${value}</font>`;
    expect(JSON.parse(request.body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '### <font color="warning">[ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed)</font>',
          fact('Count', '2 instances'),
          fact('Account', '1234567890123456'),
          fact('Region', 'cn-hangzhou'),
          fact('Kind', 'attach-failed'),
          fact('Error code', 'InvalidRamRole.NotFound'),
          fact('Role', 'EcsAppRole'),
          fact('Severity', 'error'),
          fact('Error class', 'permanent'),
          fact('First seen', '2026-01-02T03:04:06.000Z'),
          fact('Last seen', '2026-01-02T03:04:07.000Z'),
          '**Message:** The specified RAM role does not exist.',
          `**Advice:** ${group.advice}`,
          '**Instances:**',
          `[i-bp100000000000000001](${url('i-bp100000000000000001')}) · cn-hangzhou`,
          `[i-bp100000000000000002](${url('i-bp100000000000000002')}) · cn-hangzhou`,
          `<font color="comment">Alert key ${group.key}</font>`,
        ].join('\n'),
      },
    });
  });

  it.each([
    [200, '{"errcode":0,"errmsg":"ok"}', 'ok'],
    [200, '{"errcode":45009,"errmsg":"api freq out of limit"}', 'retryable'],
    [200, '{"errcode":-1,"errmsg":"system busy"}', 'retryable'],
    [200, '{"errcode":93000,"errmsg":"invalid webhook url"}', 'configuration'],
    [200, '{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}', 'configuration'],
    [502, '<html>Bad Gateway</html>', 'retryable'],
    [200, '', 'retryable'],
  ] as const)('HTTP %i %s → %s', (status, body, outcome) => {
    expect(classifyWeComAnswer(answer(status, body)).outcome).toBe(outcome);
  });
});
