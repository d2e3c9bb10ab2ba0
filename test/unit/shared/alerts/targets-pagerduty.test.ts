import { describe, expect, it } from 'vitest';
import {
  classifyPagerDutyAnswer,
  PAGERDUTY_EVENTS_URL,
  pagerdutyTarget,
} from '../../../../shared/alerts/targets/pagerduty.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';

describe('PagerDuty target', () => {
  const target = pagerdutyTarget({ routingKey: ROUTING_KEY, eventsUrl: PAGERDUTY_EVENTS_URL });

  it('triggers an Events API v2 alert deduplicated on the group key', () => {
    const group = smallGroup();
    const request = target.buildRequest(group, { now: 0, eventAction: 'trigger' });
    expect(request.url).toBe('https://events.pagerduty.com/v2/enqueue');
    const url = (id: string) => `https://ecs.console.aliyun.com/server/${id}/detail?regionId=cn-hangzhou`;
    expect(JSON.parse(request.body)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: group.key,
      payload: {
        summary:
          '[ERROR] InvalidRamRole.NotFound: 2 instances (attach-failed) in 1234567890123456/cn-hangzhou role EcsAppRole: The specified RAM role does not exist.',
        source: 'acs:ecs:cn-hangzhou:1234567890123456',
        severity: 'error',
        timestamp: '2026-01-02T03:04:07.000Z',
        component: 'ram-role/EcsAppRole',
        group: 'attach-failed',
        class: 'InvalidRamRole.NotFound',
        custom_details: {
          Count: '2 instances',
          Account: '1234567890123456',
          Region: 'cn-hangzhou',
          Kind: 'attach-failed',
          'Error code': 'InvalidRamRole.NotFound',
          Role: 'EcsAppRole',
          Severity: 'error',
          'Error class': 'permanent',
          'First seen': '2026-01-02T03:04:06.000Z',
          'Last seen': '2026-01-02T03:04:07.000Z',
          Message: 'The specified RAM role does not exist.',
          Advice: group.advice,
          Instances: [
            `i-bp100000000000000001 (cn-hangzhou) ${url('i-bp100000000000000001')}`,
            `i-bp100000000000000002 (cn-hangzhou) ${url('i-bp100000000000000002')}`,
          ],
        },
      },
      links: [
        { href: url('i-bp100000000000000001'), text: 'i-bp100000000000000001 in the ECS console' },
        { href: url('i-bp100000000000000002'), text: 'i-bp100000000000000002 in the ECS console' },
      ],
      client: 'ecs-ram-role-attacher',
    });
  });

  it('resolves with only routing_key, event_action and dedup_key', () => {
    const group = smallGroup();
    const request = target.buildRequest(group, { now: 0, eventAction: 'resolve' });
    expect(JSON.parse(request.body)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: group.key,
    });
  });

  it.each([
    [202, '{"status":"success","message":"Event processed","dedup_key":"k"}', 'ok'],
    [
      400,
      '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload\' is missing"]}',
      'configuration',
    ],
    [429, '{"status":"throttle event"}', 'retryable'],
    [500, 'Internal Server Error', 'retryable'],
    [503, '', 'retryable'],
  ] as const)('HTTP %i %s → %s', (status, body, outcome) => {
    expect(classifyPagerDutyAnswer(answer(status, body)).outcome).toBe(outcome);
  });

  it('quotes the errors of an invalid event', () => {
    const verdict = classifyPagerDutyAnswer(
      answer(
        400,
        '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload\' is missing"]}',
      ),
    );
    expect(verdict).toMatchObject({
      outcome: 'configuration',
      reason: expect.stringContaining("'payload' is missing"),
    });
  });
});
