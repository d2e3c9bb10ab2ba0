import { describe, expect, it } from 'vitest';
import { classifySlackAnswer, slackEscape, slackTarget } from '../../../../shared/alerts/targets/slack.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const WEBHOOK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

describe('Slack target', () => {
  it('posts {"text","blocks"}: a header, the facts as fields, message, advice and linked instances', () => {
    const group = { ...smallGroup(), message: 'role <EcsAppRole> & "friends" missing' };
    const request = slackTarget({ webhook: WEBHOOK }).buildRequest(group, { now: 0, eventAction: 'trigger' });
    expect(request.url).toBe(WEBHOOK);
    const md = (text: string) => ({ type: 'mrkdwn', text });
    const url = (id: string) => `https://ecs.console.aliyun.com/server/${id}/detail?regionId=cn-hangzhou`;
    const title = '[ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed)';
    expect(JSON.parse(request.body)).toEqual({
      text: title,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
        {
          type: 'section',
          fields: [
            md('*Count*\n2 instances'),
            md('*Account*\n1234567890123456'),
            md('*Region*\ncn-hangzhou'),
            md('*Kind*\nattach-failed'),
            md('*Error code*\nInvalidRamRole.NotFound'),
            md('*Role*\nEcsAppRole'),
            md('*Severity*\nerror'),
            md('*Error class*\npermanent'),
            md('*First seen*\n2026-01-02T03:04:06.000Z'),
            md('*Last seen*\n2026-01-02T03:04:07.000Z'),
          ],
        },
        // mrkdwn control characters escaped (&amp; &lt; &gt;), quotes left alone.
        { type: 'section', text: md('*Message*\nrole &lt;EcsAppRole&gt; &amp; "friends" missing') },
        { type: 'section', text: md(`*Advice*\n${group.advice}`) },
        {
          type: 'section',
          text: md(
            `*Instances*\n• <${url('i-bp100000000000000001')}|i-bp100000000000000001> · cn-hangzhou\n• <${url('i-bp100000000000000002')}|i-bp100000000000000002> · cn-hangzhou`,
          ),
        },
        { type: 'context', elements: [md(`Alert key ${group.key}`)] },
      ],
    });
  });

  it('escapes &, < and > only', () => {
    expect(slackEscape('a & b < c > d "e"')).toBe('a &amp; b &lt; c &gt; d "e"');
  });

  it.each([
    [200, 'ok', 'ok'],
    [400, 'invalid_payload', 'configuration'],
    [403, 'invalid_token', 'configuration'],
    [404, 'no_service', 'configuration'],
    [410, 'channel_is_archived', 'configuration'],
    [500, 'rollup_error', 'retryable'],
  ] as const)('HTTP %i %s → %s', (status, body, outcome) => {
    const verdict = classifySlackAnswer(answer(status, body));
    expect(verdict.outcome).toBe(outcome);
    if (verdict.outcome !== 'ok') expect(verdict.reason).toContain(body);
  });

  it('takes 429 as retryable after Retry-After seconds', () => {
    expect(classifySlackAnswer(answer(429, 'rate_limited', { 'retry-after': '30' }))).toMatchObject({
      outcome: 'retryable',
      code: 'RateLimited',
      retryAfterMs: 30_000,
    });
  });
});
