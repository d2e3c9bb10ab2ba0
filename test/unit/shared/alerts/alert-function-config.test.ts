import { describe, expect, it } from 'vitest';
import { loadAlertFunctionConfig } from '../../../../shared/alerts/alert-handler.js';
import { ConfigError } from '../../../../shared/config/config.js';

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
    expect(load).toThrow(/ALERT_QUEUE: an MNS queue name \(letters, digits, "-"\)/);
    expect(load).toThrow(/MNS_ENDPOINT: an http\(s\):\/\/ URL with no path/);
    expect(load).toThrow(/ALERT_GATHER_SECONDS: /);
    expect(load).toThrow(/FC_ACCOUNT_ID: digits/);
  });
});
