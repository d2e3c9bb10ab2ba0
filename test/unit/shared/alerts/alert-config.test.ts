import { describe, expect, it } from 'vitest';
import { alertSecrets, loadAlertConfig } from '../../../../shared/alerts/alert-config.js';
import { ConfigError } from '../../../../shared/config/config.js';

const DINGTALK = 'https://oapi.dingtalk.com/robot/send?access_token=d1ngtalkt0ken0123456789';
const LARK = 'https://open.feishu.cn/open-apis/bot/v2/hook/1a2b3c4d-0000-4000-8000-0123456789ab';
const WECOM = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa';
const SLACK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadAlertConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAlertConfig', () => {
  it('reads every target at once', () => {
    expect(
      loadAlertConfig({
        DINGTALK_WEBHOOK: DINGTALK,
        DINGTALK_SECRET: 'SECdingtalksecret',
        LARK_WEBHOOK: LARK,
        LARK_SECRET: 'larksecret0123',
        WECOM_WEBHOOK: WECOM,
        SLACK_WEBHOOK: SLACK,
        PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        ALERT_WEBHOOK: 'http://127.0.0.1:8080/hooks/alerts',
        ALERT_WEBHOOK_SECRET: 'webhooksecret0123',
      }),
    ).toEqual({
      dingtalk: { webhook: DINGTALK, secret: 'SECdingtalksecret' },
      lark: { webhook: LARK, secret: 'larksecret0123' },
      wecom: { webhook: WECOM },
      slack: { webhook: SLACK },
      pagerduty: { routingKey: ROUTING_KEY, eventsUrl: 'https://events.pagerduty.com/v2/enqueue' },
      webhook: { url: 'http://127.0.0.1:8080/hooks/alerts', secret: 'webhooksecret0123' },
    });
  });

  it('takes any single target, and PAGERDUTY_EVENTS_URL overrides the real endpoint', () => {
    expect(loadAlertConfig({ SLACK_WEBHOOK: SLACK })).toEqual({ slack: { webhook: SLACK } });
    expect(
      loadAlertConfig({
        PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9000/v2/enqueue',
      }),
    ).toEqual({ pagerduty: { routingKey: ROUTING_KEY, eventsUrl: 'http://127.0.0.1:9000/v2/enqueue' } });
  });

  it('treats empty variables as unset', () => {
    expect(loadAlertConfig({ SLACK_WEBHOOK: SLACK, DINGTALK_WEBHOOK: '', LARK_SECRET: ' ' })).toEqual({
      slack: { webhook: SLACK },
    });
  });

  it('says clearly when no target is configured', () => {
    const error = failure({ DEAD_LETTER_QUEUE: 'q' });
    expect(error.message).toMatch(/no alert target configured/);
    expect(error.message).toContain('DINGTALK_WEBHOOK');
    expect(error.message).toContain('ALERT_WEBHOOK');
    expect(error.errorClass).toBe('permanent');
  });

  it('names every invalid variable at once, never quoting its value', () => {
    const env = {
      DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send',
      LARK_WEBHOOK: 'ftp://open.feishu.cn/hook/s3cr3t-hook-id',
      WECOM_WEBHOOK: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?k3y=s3cr3t-wecom',
      SLACK_WEBHOOK: 'not a url s3cr3t-slack',
      PAGERDUTY_ROUTING_KEY: 's3cr3t-short-key',
      PAGERDUTY_EVENTS_URL: 'events.pagerduty.com/v2/enqueue',
      ALERT_WEBHOOK: 'javascript:alert(1)',
      ALERT_WEBHOOK_SECRET: 'short',
    };
    const { message } = failure(env);
    for (const name of Object.keys(env)) expect(message).toContain(`${name}:`);
    expect(message).toContain(
      'DINGTALK_WEBHOOK: the value set is not an http(s) URL with its access_token query parameter',
    );
    expect(message).toContain(
      'WECOM_WEBHOOK: the value set is not an http(s) URL with its key query parameter',
    );
    expect(message).toContain('PAGERDUTY_ROUTING_KEY: the value set is not a 32-character');
    expect(message).toContain(
      'ALERT_WEBHOOK_SECRET: the value set is not a signing secret of 8 characters or more',
    );
    // Not a credential: quoted, so the mistake is plain.
    expect(message).toContain(
      'PAGERDUTY_EVENTS_URL: "events.pagerduty.com/v2/enqueue" is not an http(s) URL',
    );
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('short');
  });

  it('refuses a secret without its webhook', () => {
    const { message } = failure({
      SLACK_WEBHOOK: SLACK,
      DINGTALK_SECRET: 'SECdingtalksecret',
      LARK_SECRET: 'larksecret0123',
    });
    expect(message).toContain('DINGTALK_SECRET is set but DINGTALK_WEBHOOK is not');
    expect(message).toContain('LARK_SECRET is set but LARK_WEBHOOK is not');
  });

  it('refuses an events URL without the routing key it pages with', () => {
    expect(
      failure({ SLACK_WEBHOOK: SLACK, PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9000/v2/enqueue' }).problems,
    ).toEqual(['PAGERDUTY_EVENTS_URL is set but PAGERDUTY_ROUTING_KEY is not']);
  });

  it('lists bad variables, a secret without its webhook, and the missing target together', () => {
    expect(failure({ DINGTALK_SECRET: 'SECdingtalksecret', LARK_WEBHOOK: 'nope' }).problems).toEqual([
      'LARK_WEBHOOK: the value set is not an http(s) URL (https://open.feishu.cn/open-apis/bot/v2/hook/…) (not shown: it is a credential)',
      'DINGTALK_SECRET is set but DINGTALK_WEBHOOK is not',
    ]);
  });

  it('lists every credential for the log scrubber: URLs, the tokens inside them, secrets, the routing key', () => {
    const config = loadAlertConfig({
      DINGTALK_WEBHOOK: DINGTALK,
      DINGTALK_SECRET: 'SECdingtalksecret',
      LARK_WEBHOOK: LARK,
      WECOM_WEBHOOK: WECOM,
      SLACK_WEBHOOK: SLACK,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    });
    expect(alertSecrets(config)).toEqual(
      expect.arrayContaining([
        DINGTALK,
        'd1ngtalkt0ken0123456789',
        'SECdingtalksecret',
        LARK,
        '1a2b3c4d-0000-4000-8000-0123456789ab',
        WECOM,
        '693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa',
        SLACK,
        '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
        ROUTING_KEY,
      ]),
    );
  });
});
