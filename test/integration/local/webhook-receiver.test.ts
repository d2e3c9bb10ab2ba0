import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../local/webhook-receiver/index.js';

// The receiver is checked with requests made by hand and signed here, from each service's documented algorithm,
// so that it does not merely agree with the senders in shared/alerts/targets/.

const SECRETS = {
  dingtalk: 'SECdingtalk-receiver-secret',
  lark: 'lark-receiver-secret',
  webhook: 'webhook-receiver-secret',
};
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secrets: SECRETS });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.received.length = 0;
  receiver.faults.clear();
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function dingtalkUrl(timestamp = Date.now(), secret = SECRETS.dingtalk): string {
  const sign = encodeURIComponent(
    createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'),
  );
  return `${receiver.urls.dingtalk}&timestamp=${timestamp}&sign=${sign}`;
}

function larkSigned(
  body: Record<string, unknown>,
  seconds = Math.floor(Date.now() / 1000),
  secret = SECRETS.lark,
) {
  const timestamp = String(seconds);
  const sign = createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
  return { timestamp, sign, ...body };
}

const markdown = { msgtype: 'markdown', markdown: { title: 'alert', text: '#### alert\n\n**Count:** 1' } };
const card = {
  msg_type: 'interactive',
  card: {
    header: { template: 'red', title: { tag: 'plain_text', content: 'alert' } },
    elements: [{ tag: 'div', text: { tag: 'lark_md', content: '**Count** 1' } }],
  },
};
const alert = {
  key: 'k1',
  kind: 'attach-failed',
  code: 'InvalidRamRole.NotFound',
  errorClass: 'permanent',
  message: 'm',
  advice: 'a',
  severity: 'error',
  count: 1,
  instances: [
    {
      instanceId: 'i-1',
      regionId: 'cn-hangzhou',
      consoleUrl: 'https://ecs.console.aliyun.com/server/i-1/detail?regionId=cn-hangzhou',
    },
  ],
  more: 0,
};

describe('webhook receiver', () => {
  it('serves every target on 127.0.0.1, with the token or key in the URL as the real ones have', () => {
    for (const url of Object.values(receiver.urls)) expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(receiver.urls.dingtalk).toMatch(/\/robot\/send\?access_token=[0-9a-f]{64}$/);
    expect(receiver.urls.lark).toMatch(/\/open-apis\/bot\/v2\/hook\/[0-9a-f-]{36}$/);
    expect(receiver.urls.wecom).toMatch(/\/cgi-bin\/webhook\/send\?key=[0-9a-f-]{36}$/);
    expect(receiver.urls.slack).toMatch(/\/services\/T[0-9A-F]+\/B[0-9A-F]+\/[\w-]+$/);
    expect(receiver.urls.pagerduty).toMatch(/\/v2\/enqueue$/);
    expect(receiver.routingKey).toHaveLength(32);
  });

  describe('DingTalk', () => {
    it('accepts a signed markdown message with {"errcode":0,"errmsg":"ok"}', async () => {
      const answer = await post(dingtalkUrl(), markdown);
      expect(answer).toMatchObject({ status: 200, text: '{"errcode":0,"errmsg":"ok"}' });
      expect(receiver.received).toEqual([
        expect.objectContaining({
          target: 'dingtalk',
          body: markdown,
          verified: true,
          problems: [],
          status: 200,
        }),
      ]);
    });

    it('refuses a wrong sign with errcode 310000', async () => {
      const answer = await post(dingtalkUrl(Date.now(), 'SECsome-other-secret'), markdown);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({
        errcode: 310000,
        errmsg: expect.stringMatching(/^sign not match/),
      });
      expect(receiver.received[0]).toMatchObject({ verified: false, problems: ['sign does not match'] });
    });

    it('refuses a timestamp more than one hour old, even correctly signed', async () => {
      const answer = await post(dingtalkUrl(Date.now() - 3_601_000), markdown);
      expect(JSON.parse(answer.text)).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
      expect(receiver.received[0]?.problems).toEqual(['timestamp is more than one hour from now']);
      const fresh = await post(dingtalkUrl(Date.now() - 3_500_000), markdown);
      expect(JSON.parse(fresh.text)).toEqual({ errcode: 0, errmsg: 'ok' });
    });

    it('refuses an unsigned request, an unknown token and a malformed message', async () => {
      expect(JSON.parse((await post(receiver.urls.dingtalk, markdown)).text).errcode).toBe(310000);
      const wrongToken = dingtalkUrl().replace(/access_token=[0-9a-f]+/, 'access_token=nope');
      expect(JSON.parse((await post(wrongToken, markdown)).text)).toEqual({
        errcode: 300001,
        errmsg: 'token is not exist',
      });
      const malformed = await post(dingtalkUrl(), { msgtype: 'markdown', markdown: { title: 'x' } });
      expect(JSON.parse(malformed.text).errcode).toBe(40035);
      expect(receiver.received.at(-1)?.problems).toEqual([expect.stringContaining('markdown.text')]);
      const tooLong = await post(dingtalkUrl(), {
        msgtype: 'markdown',
        markdown: { title: 'x', text: 'y'.repeat(20_001) },
      });
      expect(JSON.parse(tooLong.text).errcode).toBe(460101);
    });
  });

  describe('Lark', () => {
    it('accepts a signed card with code 0', async () => {
      const answer = await post(receiver.urls.lark, larkSigned(card));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 0, msg: 'success', StatusCode: 0 });
      expect(receiver.received[0]).toMatchObject({ target: 'lark', verified: true });
    });

    it('answers 19021 for a wrong sign or a timestamp over an hour away', async () => {
      const wrong = await post(receiver.urls.lark, larkSigned(card, undefined, 'other-secret'));
      expect(JSON.parse(wrong.text)).toMatchObject({ code: 19021 });
      const stale = await post(receiver.urls.lark, larkSigned(card, Math.floor(Date.now() / 1000) - 3_700));
      expect(JSON.parse(stale.text)).toMatchObject({ code: 19021 });
      expect(receiver.received.map((r) => r.problems)).toEqual([
        ['sign does not match'],
        ['timestamp is more than one hour from now'],
      ]);
    });

    it('answers 400 / 9499 "Bad Request" for a malformed body, 19001 for an unknown hook', async () => {
      const bad = await post(
        receiver.urls.lark,
        larkSigned({ msg_type: 'interactive', card: { elements: [] } }),
      );
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text)).toMatchObject({ code: 9499, msg: 'Bad Request' });
      const unknown = await post(receiver.urls.lark.replace(/hook\/.*$/, 'hook/nope'), larkSigned(card));
      expect(JSON.parse(unknown.text)).toMatchObject({ code: 19001 });
    });
  });

  describe('WeCom', () => {
    it('accepts markdown up to 4096 bytes and refuses more with 40058', async () => {
      const ok = await post(receiver.urls.wecom, {
        msgtype: 'markdown',
        markdown: { content: '中'.repeat(1365) },
      });
      expect(JSON.parse(ok.text)).toEqual({ errcode: 0, errmsg: 'ok' });
      const long = await post(receiver.urls.wecom, {
        msgtype: 'markdown',
        markdown: { content: '中'.repeat(1366) },
      });
      expect(JSON.parse(long.text)).toMatchObject({ errcode: 40058 });
      expect(receiver.received.map((r) => r.verified)).toEqual([true, false]);
    });

    it('answers 93000 for an unknown key', async () => {
      const answer = await post(receiver.urls.wecom.replace(/key=.*$/, 'key=nope'), {
        msgtype: 'markdown',
        markdown: { content: 'x' },
      });
      expect(JSON.parse(answer.text)).toMatchObject({ errcode: 93000 });
    });
  });

  describe('Slack', () => {
    it('answers ok, or the documented text errors', async () => {
      expect(await post(receiver.urls.slack, { text: 'hi' })).toMatchObject({ status: 200, text: 'ok' });
      expect(await post(receiver.urls.slack, 'not json')).toMatchObject({
        status: 400,
        text: 'invalid_payload',
      });
      expect(await post(receiver.urls.slack, {})).toMatchObject({ status: 400, text: 'no_text' });
      const header = { type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } };
      expect(await post(receiver.urls.slack, { text: 'x', blocks: [header] })).toMatchObject({
        status: 400,
        text: 'invalid_blocks',
      });
      expect(await post(`${receiver.url}/services/T0/B0/nope`, { text: 'x' })).toMatchObject({
        status: 404,
        text: 'no_service',
      });
    });
  });

  describe('PagerDuty', () => {
    const trigger = (dedup: string) => ({
      routing_key: receiver.routingKey,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: { summary: 's', source: 'src', severity: 'error' },
    });

    it('answers 202 with the dedup key and tracks trigger → resolve', async () => {
      const answer = await post(receiver.urls.pagerduty, trigger('group-1'));
      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.text)).toEqual({
        status: 'success',
        message: 'Event processed',
        dedup_key: 'group-1',
      });
      expect(receiver.pagerdutyOpen()).toContain('group-1');
      await post(receiver.urls.pagerduty, {
        routing_key: receiver.routingKey,
        event_action: 'resolve',
        dedup_key: 'group-1',
      });
      expect(receiver.pagerdutyOpen()).not.toContain('group-1');
    });

    it('answers 400 "invalid event" listing the errors', async () => {
      const answer = await post(receiver.urls.pagerduty, {
        ...trigger('g'),
        routing_key: 'short',
        payload: { summary: 'x'.repeat(1025), source: 'src', severity: 'fatal' },
      });
      expect(answer.status).toBe(400);
      const body = JSON.parse(answer.text) as { status: string; errors: string[] };
      expect(body.status).toBe('invalid event');
      expect(body.errors.join('\n')).toMatch(/routing_key.*32 characters/);
      expect(body.errors.join('\n')).toMatch(/payload\.summary/);
      expect(body.errors.join('\n')).toMatch(/payload\.severity/);
    });
  });

  describe('generic webhook', () => {
    const sign = (raw: string, seconds = Math.floor(Date.now() / 1000), secret = SECRETS.webhook) => ({
      'x-timestamp': String(seconds),
      'x-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
    });

    it('accepts {"version":1,"alert"} signed over the raw body', async () => {
      const raw = JSON.stringify({ version: 1, alert });
      expect(await post(receiver.urls.webhook, raw, sign(raw))).toMatchObject({ status: 200 });
      expect(receiver.received[0]).toMatchObject({ target: 'webhook', verified: true });
    });

    it('answers 401 for a wrong or stale signature, 400 for a body that is not an alert', async () => {
      const raw = JSON.stringify({ version: 1, alert });
      expect((await post(receiver.urls.webhook, raw, sign(raw, undefined, 'wrong-secret'))).status).toBe(401);
      expect(
        (await post(receiver.urls.webhook, raw, sign(raw, Math.floor(Date.now() / 1000) - 301))).status,
      ).toBe(401);
      const notAlert = JSON.stringify({ version: 2, alert: { key: 'k' } });
      expect((await post(receiver.urls.webhook, notAlert, sign(notAlert))).status).toBe(400);
      expect(receiver.received.map((r) => r.verified)).toEqual([false, false, false]);
    });
  });

  describe('faults', () => {
    it('answers the next requests with the injected status, headers and body, then as usual', async () => {
      receiver.faults.add({ target: 'slack', status: 429, times: 1, headers: { 'retry-after': '7' } });
      const limited = await post(receiver.urls.slack, { text: 'hi' });
      expect(limited).toMatchObject({ status: 429, text: 'rate_limited' });
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await post(receiver.urls.slack, { text: 'hi' })).toMatchObject({ status: 200, text: 'ok' });
      expect(receiver.received.map((r) => [r.fault, r.verified, r.status])).toEqual([
        [true, true, 429],
        [false, true, 200],
      ]);
    });

    it('can answer DingTalk errcodes and delay an answer', async () => {
      receiver.faults.add({
        target: 'dingtalk',
        status: 200,
        body: { errcode: 130101, errmsg: 'send too fast' },
        times: 1,
      });
      expect(JSON.parse((await post(dingtalkUrl(), markdown)).text)).toEqual({
        errcode: 130101,
        errmsg: 'send too fast',
      });
      receiver.faults.add({ target: 'wecom', delayMs: 300, times: 1 });
      const started = Date.now();
      const answer = await post(receiver.urls.wecom, { msgtype: 'markdown', markdown: { content: 'x' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(JSON.parse(answer.text)).toEqual({ errcode: 0, errmsg: 'ok' });
    });
  });
});
