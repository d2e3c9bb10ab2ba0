import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ReceiverTarget,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../local/webhook-receiver/index.js';
import { type AlertConfig, alertSecrets, loadAlertConfig } from '../../../shared/alerts/alert-config.js';
import {
  AlertDeliveryError,
  type SendAlertsOptions,
  sendAlerts,
} from '../../../shared/alerts/send-alerts.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { Deadline } from '../../../shared/retry/deadline.js';
import { bigGroup, smallGroup } from '../../unit/shared/alerts/alert-groups.js';

const SECRETS = {
  dingtalk: 'SECdingtalk-send-secret',
  lark: 'lark-send-secret-01',
  webhook: 'webhook-send-secret',
};
let receiver: WebhookReceiver;
let config: AlertConfig;
/** Every log line of every test: none may carry a credential. */
const allLines: string[] = [];
/** Every error message and report problem of every test, checked the same way. */
const allProblems: string[] = [];

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    DINGTALK_WEBHOOK: receiver.urls.dingtalk,
    DINGTALK_SECRET: SECRETS.dingtalk,
    LARK_WEBHOOK: receiver.urls.lark,
    LARK_SECRET: SECRETS.lark,
    WECOM_WEBHOOK: receiver.urls.wecom,
    SLACK_WEBHOOK: receiver.urls.slack,
    PAGERDUTY_ROUTING_KEY: receiver.routingKey,
    PAGERDUTY_EVENTS_URL: receiver.urls.pagerduty,
    ALERT_WEBHOOK: receiver.urls.webhook,
    ALERT_WEBHOOK_SECRET: SECRETS.webhook,
    ...overrides,
  };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        lines.push(line);
        allLines.push(line);
      },
    },
  });
  return { lines, logger, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function options(
  logger: SendAlertsOptions['logger'],
  extra: Partial<SendAlertsOptions> = {},
): SendAlertsOptions {
  return {
    config,
    logger,
    deadline: new Deadline(Date.now() + 15_000),
    maxAttempts: 3,
    backoff: { baseMs: 10, capMs: 50 },
    requestTimeoutMs: 2_000,
    ...extra,
  };
}

/** A port on 127.0.0.1 nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const from = (target: ReceiverTarget) => receiver.received.filter((r) => r.target === target);

/**
 * A clock that only moves when sendAlerts sleeps: every wait is recorded and taken at once, so what the deadline
 * allows is decided by the waits sendAlerts chose, whatever the machine's load.
 */
function fakeTime(start = Date.now()) {
  const time = { now: start, sleeps: [] as number[] };
  return {
    time,
    now: () => time.now,
    sleep: async (ms: number) => {
      time.sleeps.push(ms);
      time.now += ms;
    },
    deadline: (inMs: number) => new Deadline(start + inMs, () => time.now),
  };
}

async function rejection(promise: Promise<unknown>): Promise<AlertDeliveryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AlertDeliveryError) {
      allProblems.push(error.message, ...error.report.targets.map((t) => t.problem ?? ''));
      return error;
    }
    throw error;
  }
  throw new Error('expected sendAlerts to throw');
}

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secrets: SECRETS });
  config = loadAlertConfig(env());
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.faults.clear();
});

describe('sendAlerts', () => {
  it('delivers every group to every target, each request in its service format and signed', async () => {
    const { logger } = capture();
    const groups = [smallGroup(), bigGroup()];
    const report = await sendAlerts(groups, options(logger));
    expect(report.targets.map((t) => [t.target, t.status, t.delivered, t.attempts])).toEqual([
      ['dingtalk', 'delivered', 2, 2],
      ['lark', 'delivered', 2, 2],
      ['wecom', 'delivered', 2, 2],
      ['slack', 'delivered', 2, 2],
      ['pagerduty', 'delivered', 2, 2],
      ['webhook', 'delivered', 2, 2],
    ]);
    expect(receiver.received).toHaveLength(12);
    for (const r of receiver.received)
      expect({ target: r.target, problems: r.problems }).toEqual({ target: r.target, problems: [] });
    // Both groups share account, region, kind, code and role: one PagerDuty alert (dedup key) for the two.
    expect(receiver.pagerdutyOpen()).toEqual([smallGroup().key]);
  });

  it('resolves on PagerDuty only, closing what was triggered', async () => {
    const { logger } = capture();
    const group = smallGroup();
    await sendAlerts([group], options(logger));
    expect(receiver.pagerdutyOpen()).toContain(group.key);
    receiver.received.length = 0;
    const report = await sendAlerts([group], options(logger, { eventAction: 'resolve' }));
    expect(receiver.received.map((r) => r.target)).toEqual(['pagerduty']);
    expect(receiver.received[0]?.body).toEqual({
      routing_key: receiver.routingKey,
      event_action: 'resolve',
      dedup_key: group.key,
    });
    expect(receiver.pagerdutyOpen()).not.toContain(group.key);
    expect(report.targets.filter((t) => t.status === 'skipped').map((t) => t.target)).toEqual([
      'dingtalk',
      'lark',
      'wecom',
      'slack',
      'webhook',
    ]);
  });

  it('retries a 5xx and delivers once', async () => {
    const { logger, entries } = capture();
    receiver.faults.add({ target: 'dingtalk', status: 503, times: 1 });
    const report = await sendAlerts([smallGroup()], options(logger));
    const dingtalk = from('dingtalk');
    expect(dingtalk.map((r) => r.status)).toEqual([503, 200]);
    expect(dingtalk.filter((r) => !r.fault && r.verified)).toHaveLength(1);
    expect(report.targets.find((t) => t.target === 'dingtalk')).toMatchObject({
      status: 'delivered',
      attempts: 2,
    });
    expect(entries()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        target: 'dingtalk',
        code: 'ServiceUnavailable',
        msg: 'alert delivery failed; retrying',
      }),
    );
  });

  it('retries a DingTalk rate limit (errcode 130101 in an HTTP 200)', async () => {
    const { logger } = capture();
    receiver.faults.add({
      target: 'dingtalk',
      status: 200,
      body: { errcode: 130101, errmsg: 'send too fast' },
      times: 1,
    });
    await sendAlerts([smallGroup()], options(logger));
    expect(from('dingtalk').map((r) => r.fault)).toEqual([true, false]);
  });

  it('throws naming the target after bounded retries of a persistent 5xx, having delivered to the others', async () => {
    const { logger, entries } = capture();
    receiver.faults.add({ target: 'wecom', status: 502 });
    const error = await rejection(sendAlerts([smallGroup(), smallGroup()], options(logger)));
    expect(error.errorClass).toBe('retryable');
    expect(error.code).toBe('AlertDeliveryFailed');
    expect(error.message).toMatch(
      /alert delivery failed after retries for wecom: wecom \(ServiceUnavailable: answered HTTP 502; gave up \(attempts\)\)/,
    );
    // maxAttempts 3 for the first group; the target is given up for the rest of the batch.
    expect(from('wecom')).toHaveLength(3);
    expect(error.report.targets.find((t) => t.target === 'wecom')).toMatchObject({
      status: 'failed',
      delivered: 0,
      attempts: 3,
      httpStatus: 502,
    });
    expect(error.report.targets.filter((t) => t.status === 'delivered')).toHaveLength(5);
    expect(entries()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        target: 'wecom',
        msg: 'alert delivery failed after retries',
      }),
    );
  });

  it('throws after bounded retries when the target does not answer in time', async () => {
    const { logger } = capture();
    receiver.faults.add({ target: 'slack', delayMs: 5_000 });
    const clock = fakeTime();
    const error = await rejection(
      sendAlerts(
        [smallGroup()],
        options(logger, {
          requestTimeoutMs: 200,
          maxAttempts: 2,
          now: clock.now,
          sleep: clock.sleep,
          deadline: clock.deadline(15_000),
        }),
      ),
    );
    // Each attempt was cut by its own timeout (the answer would have taken 5 s), then retried once.
    expect(error.message).toMatch(/for slack: slack \(RequestTimeout: no answer within 200 ms/);
    expect(from('slack')).toHaveLength(2);
    expect(clock.time.sleeps).toHaveLength(1);
  });

  it('throws when the target cannot be reached at all', async () => {
    const { logger } = capture();
    const unreachable = loadAlertConfig({
      ALERT_WEBHOOK: `http://127.0.0.1:${await closedPort()}/hooks/alerts`,
    });
    const error = await rejection(sendAlerts([smallGroup()], { ...options(logger), config: unreachable }));
    expect(error.message).toMatch(/for webhook: webhook \(NetworkError: network error: ECONNREFUSED/);
    expect(error.report.targets[0]).toMatchObject({ attempts: 3 });
  });

  it('never waits past the deadline', async () => {
    const { logger } = capture();
    receiver.faults.add({ target: 'lark', status: 500 });
    const clock = fakeTime();
    const error = await rejection(
      sendAlerts(
        [smallGroup()],
        options(logger, {
          deadline: clock.deadline(400),
          now: clock.now,
          sleep: clock.sleep,
          maxAttempts: 1_000,
          backoff: { baseMs: 100, capMs: 100 },
          random: () => 0.99,
        }),
      ),
    );
    expect(error.message).toMatch(/for lark: .*gave up \(deadline\)/);
    // 99 ms waits while an attempt still fits (minAttemptMs 100): three, then it stops short of the deadline.
    expect(clock.time.sleeps).toEqual([99, 99, 99]);
    expect(clock.time.now).toBeLessThan(clock.deadline(400).at);
    expect(from('lark')).toHaveLength(4);
  });

  it('honours Retry-After on a 429', async () => {
    const { logger } = capture();
    receiver.faults.add({ target: 'webhook', status: 429, times: 1, headers: { 'retry-after': '1' } });
    const clock = fakeTime();
    await sendAlerts(
      [smallGroup()],
      options(logger, {
        now: clock.now,
        sleep: clock.sleep,
        deadline: clock.deadline(15_000),
        random: () => 0,
      }),
    );
    expect(from('webhook').map((r) => r.status)).toEqual([429, 200]);
    // The backoff alone would have waited 0 ms (random 0): the 1 s the service asked for is what it waited.
    expect(clock.time.sleeps).toEqual([1_000]);
  });

  it('does not wait for a Retry-After that would pass the deadline', async () => {
    const { logger } = capture();
    receiver.faults.add({ target: 'slack', status: 429, headers: { 'retry-after': '30' } });
    const clock = fakeTime();
    const error = await rejection(
      sendAlerts(
        [smallGroup()],
        options(logger, { now: clock.now, sleep: clock.sleep, deadline: clock.deadline(3_000) }),
      ),
    );
    expect(clock.time.sleeps).toEqual([]);
    expect(error.message).toMatch(
      /for slack: slack \(RateLimited: answered HTTP 429: rate_limited; gave up \(deadline\)\)/,
    );
    expect(from('slack')).toHaveLength(1);
  });

  it('logs a 4xx loudly and neither retries nor throws', async () => {
    const { logger, entries } = capture();
    receiver.faults.add({ target: 'slack', status: 404, body: `no_service for ${receiver.urls.slack}` });
    const report = await sendAlerts([smallGroup(), smallGroup()], options(logger));
    expect(from('slack')).toHaveLength(1);
    expect(report.targets.find((t) => t.target === 'slack')).toMatchObject({
      status: 'configuration',
      delivered: 0,
      attempts: 1,
      httpStatus: 404,
    });
    const logged = entries().find((e) => e.level === 'error' && e.target === 'slack');
    expect(logged).toMatchObject({ status: 404, code: 'HTTP404', notSent: 1 });
    expect(logged?.answer).toBe('no_service for [REDACTED]');
    expect(String(logged?.msg)).toMatch(/alert target slack refused the alert as misconfigured/);
  });

  it('takes a DingTalk signature error (errcode 310000) as configuration: logged, not retried, not thrown', async () => {
    const { logger, entries } = capture();
    const wrong = loadAlertConfig({
      DINGTALK_WEBHOOK: receiver.urls.dingtalk,
      DINGTALK_SECRET: 'SECnot-the-right-secret',
    });
    allProblems.push('SECnot-the-right-secret');
    const report = await sendAlerts([smallGroup()], { ...options(logger), config: wrong });
    expect(from('dingtalk')).toEqual([
      expect.objectContaining({ verified: false, problems: ['sign does not match'] }),
    ]);
    expect(report.targets[0]).toMatchObject({
      status: 'configuration',
      problem: expect.stringMatching(/^errcode 310000: sign not match/),
    });
    expect(entries()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        target: 'dingtalk',
        status: 200,
        code: 'DingTalk.310000',
        answer: expect.stringContaining('310000'),
      }),
    );
  });

  it('puts no URL, token, key or secret in any log line or error', () => {
    const credentials = [
      ...alertSecrets(config),
      SECRETS.dingtalk,
      SECRETS.lark,
      SECRETS.webhook,
      receiver.routingKey,
      new URL(receiver.urls.dingtalk).searchParams.get('access_token') ?? 'missing',
      new URL(receiver.urls.wecom).searchParams.get('key') ?? 'missing',
    ];
    expect(allLines.length).toBeGreaterThan(10);
    const everything = [...allLines, ...allProblems].join('\n');
    for (const credential of credentials) expect(everything).not.toContain(credential);
  });
});
