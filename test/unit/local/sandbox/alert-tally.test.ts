import { describe, expect, it } from 'vitest';
import { formatTally, tallyAlerts } from '../../../../local/sandbox/alert-tally.js';
import type { ReceivedAlert, ReceiverTarget } from '../../../../local/webhook-receiver/index.js';
import { loadAlertConfig } from '../../../../shared/alerts/alert-config.js';
import type { AlertGroup } from '../../../../shared/alerts/alert-group.js';
import { alertTargets } from '../../../../shared/alerts/targets/from-config.js';
import type { EventAction } from '../../../../shared/alerts/targets/target.js';
import { bigGroup, smallGroup } from '../../shared/alerts/alert-groups.js';

const config = loadAlertConfig({
  DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=t',
  LARK_WEBHOOK: 'https://open.feishu.cn/open-apis/bot/v2/hook/h',
  WECOM_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
  SLACK_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/x',
  PAGERDUTY_ROUTING_KEY: '0123456789abcdef0123456789abcdef',
  ALERT_WEBHOOK: 'https://alerts.example.com/hook',
});

/** What the receiver records for one group sent to every target, rendered by the real target modules. */
function sent(group: AlertGroup, eventAction: EventAction = 'trigger'): ReceivedAlert[] {
  return alertTargets(config).map((target) => {
    const request = target.buildRequest(group, { now: Date.now(), eventAction });
    return {
      target: target.name as ReceiverTarget,
      body: JSON.parse(request.body) as unknown,
      raw: request.body,
      headers: {},
      query: {},
      verified: true,
      problems: [],
      status: 200,
      fault: false,
      at: 0,
    };
  });
}

describe('tallyAlerts', () => {
  it('finds the group of every target’s message: one group at six targets is one per group per target', () => {
    const tally = tallyAlerts(sent(smallGroup()));
    expect(tally).toMatchObject({
      messages: 6,
      groups: 1,
      targets: 6,
      perGroupPerTarget: { min: 1, max: 1 },
    });
    expect(formatTally(tally)).toBe('alerts: 1 group · 6 targets · 6 messages (1 per group per target)');
  });

  it('shows a burst split between wake-ups as several per group per target', () => {
    const group = smallGroup();
    const other: AlertGroup = { ...bigGroup(), key: 'f'.repeat(32), code: 'InvalidUser.PassRoleForbidden' };
    const tally = tallyAlerts([...sent(group), ...sent(group), ...sent(other)]);
    expect(tally.perGroupPerTarget).toEqual({ min: 1, max: 2 });
    expect(formatTally(tally)).toBe('alerts: 2 groups · 6 targets · 18 messages (1–2 per group per target)');
  });

  it('counts a target that missed a group as 0 for it, and leaves out resolves and unverified messages', () => {
    const messages = sent(smallGroup()).filter((m) => m.target !== 'wecom');
    const resolve = sent(smallGroup(), 'resolve').filter((m) => m.target === 'pagerduty');
    const forged = { ...(sent(bigGroup())[0] as ReceivedAlert), verified: false };
    const tally = tallyAlerts([...messages, ...resolve, forged]);
    expect(tally).toMatchObject({
      messages: 5,
      groups: 1,
      targets: 5,
      perGroupPerTarget: { min: 0, max: 1 },
    });
    expect(formatTally(tallyAlerts([]))).toBe('alerts: none');
  });
});
