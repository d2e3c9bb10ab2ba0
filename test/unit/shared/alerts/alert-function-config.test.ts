import { describe, expect, it } from 'vitest';
import { loadAlertFunctionConfig } from '../../../../shared/alerts/alert-handler.js';
import { ConfigError } from '../../../../shared/config/config.js';

function problems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const TARGET = { ALERT_WEBHOOK: 'http://127.0.0.1:8080/hooks/alerts' };

describe('loadAlertFunctionConfig', () => {
  it('applies defaults and counts empty variables as unset', () => {
    expect(loadAlertFunctionConfig({ ...TARGET, ALERT_QUEUE: '', MNS_ENDPOINT: '', LOG_LEVEL: '' })).toEqual({
      gatherSeconds: 5,
      logLevel: 'info',
      targets: { webhook: { url: TARGET.ALERT_WEBHOOK } },
    });
  });

  it('reads its own variables and drops a trailing slash from the MNS endpoint', () => {
    expect(
      loadAlertFunctionConfig({
        ...TARGET,
        ALERT_QUEUE: 'ram-role-attacher-alerts',
        MNS_ENDPOINT: 'http://127.0.0.1:9000/',
        ALERT_GATHER_SECONDS: '0',
        LOG_LEVEL: 'debug',
        FC_REGION: 'cn-hangzhou',
        FC_ACCOUNT_ID: '1234567890123456',
      }),
    ).toEqual({
      alertQueue: 'ram-role-attacher-alerts',
      mnsEndpoint: 'http://127.0.0.1:9000',
      gatherSeconds: 0,
      logLevel: 'debug',
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
      targets: { webhook: { url: TARGET.ALERT_WEBHOOK } },
    });
  });

  it('names every invalid variable at once, as the attach-role function does', () => {
    const load = () =>
      loadAlertFunctionConfig({
        ...TARGET,
        ALERT_QUEUE: 'bad name!',
        MNS_ENDPOINT: 'http://127.0.0.1:9000/path',
        ALERT_GATHER_SECONDS: '31',
        FC_ACCOUNT_ID: 'acct',
      });
    expect(load).toThrow(ConfigError);
    expect(problems(load)).toEqual([
      'ALERT_QUEUE: "bad name!" is not an MNS queue name (letters, digits, "-", at most 120)',
      'MNS_ENDPOINT: "http://127.0.0.1:9000/path" is not an http(s):// URL with no path',
      'ALERT_GATHER_SECONDS: "31" is not a whole number from 0 to 30',
      'FC_ACCOUNT_ID: "acct" is not an account id (digits)',
    ]);
  });

  it('reports its own variables and the targets in one error, not the first group', () => {
    const load = () =>
      loadAlertFunctionConfig({
        ALERT_GATHER_SECONDS: 'soon',
        ALERT_LEASE_QUEUE: 'lease',
        SLACK_WEBHOOK: 'not a url',
        LARK_SECRET: 'larksecret0123',
      });
    expect(problems(load)).toEqual([
      'ALERT_GATHER_SECONDS: "soon" is not a whole number from 0 to 30',
      'ALERT_LEASE_QUEUE needs ALERT_QUEUE (the queue it guards)',
      'SLACK_WEBHOOK: the value set is not an http(s) URL (https://hooks.slack.com/services/…) (not shown: it is a credential)',
      'LARK_SECRET is set but LARK_WEBHOOK is not',
    ]);
  });

  it('names a missing target along with its own problems', () => {
    expect(problems(() => loadAlertFunctionConfig({ LOG_LEVEL: 'loud' }))).toEqual([
      'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      expect.stringMatching(/^no alert target configured: /),
    ]);
  });

  it('refuses a lease queue that is the alert queue itself', () => {
    expect(
      problems(() =>
        loadAlertFunctionConfig({ ...TARGET, ALERT_QUEUE: 'alerts', ALERT_LEASE_QUEUE: 'alerts' }),
      ),
    ).toEqual(['ALERT_LEASE_QUEUE must differ from ALERT_QUEUE']);
  });

  it('counts blank variables as unset, for its own and the targets', () => {
    expect(
      loadAlertFunctionConfig({ ...TARGET, ALERT_GATHER_SECONDS: ' ', DINGTALK_SECRET: '' }).gatherSeconds,
    ).toBe(5);
  });
});
