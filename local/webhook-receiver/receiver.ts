import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { startHttpServer } from '../http/http-server.js';
import { WebhookFaultList, type WebhookFaultSpec, type WebhookFaults } from './faults.js';
import type { ReceivedAlert, ReceiverTarget } from './received.js';
import {
  type Answer,
  type Checked,
  type Credentials,
  checkDingTalk,
  checkLark,
  checkPagerDuty,
  checkSlack,
  checkWebhook,
  checkWeCom,
  json,
  plain,
  type RequestView,
  type ServiceSecrets,
} from './services.js';

export interface WebhookReceiverOptions {
  /** Signing secrets the receiver expects, as configured on the real robot; unsigned targets when omitted. */
  secrets: ServiceSecrets;
  /** 0 (default) = any free port on 127.0.0.1. */
  port?: number;
  /** Clock for the signature time windows. */
  now?: () => number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Each target's endpoint, with its token or key in the URL as the real one has. */
  readonly urls: Readonly<Record<ReceiverTarget, string>>;
  /** The PagerDuty routing key the receiver accepts (any 32-character key is accepted, as PagerDuty checks form). */
  readonly routingKey: string;
  /** Every request to a known endpoint, in arrival order. */
  readonly received: ReceivedAlert[];
  readonly faults: WebhookFaults;
  /** PagerDuty dedup keys triggered and not resolved since. */
  pagerdutyOpen(): string[];
  close(): Promise<void>;
}

/**
 * A local stand-in for the alert services: DingTalk, Lark, WeCom, Slack, PagerDuty and the generic webhook, each
 * on the path the real one uses. Checks every request against the service's published format and signature
 * scheme, records it, and answers as the service would (its success document, or its error for the first problem).
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const now = options.now ?? Date.now;
  const creds: Credentials = {
    dingtalkToken: randomBytes(32).toString('hex'),
    larkHook: randomUUID(),
    wecomKey: randomUUID(),
    slackPath: `/services/T${hex(4)}/B${hex(5)}/${randomBytes(12).toString('base64url')}`,
  };
  const routingKey = randomBytes(16).toString('hex');
  const received: ReceivedAlert[] = [];
  const faults = new WebhookFaultList();
  const open = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const server = await startHttpServer(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const routed = route(url.pathname);
    if (routed === undefined || req.method !== 'POST') {
      res.writeHead(routed === undefined ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(routed === undefined ? 'not found' : 'method not allowed');
      return;
    }
    const text = raw.toString('utf8');
    const view: RequestView = {
      query: url.searchParams,
      headers: req.headers,
      raw,
      body: parseJson(text),
      now: now(),
    };
    const checked = check(routed, view);
    const fault = faults.take(routed.target);
    let answer = checked.answer;
    if (fault?.status !== undefined) answer = faultAnswer(routed.target, fault, fault.status);
    else if (routed.target === 'pagerduty' && checked.problems.length === 0) track(view.body);
    received.push({
      target: routed.target,
      body: view.body,
      raw: text,
      headers: req.headers,
      query: Object.fromEntries(url.searchParams),
      verified: checked.problems.length === 0,
      problems: checked.problems,
      status: answer.status,
      fault: fault?.status !== undefined,
      at: view.now,
    });
    if (fault?.delayMs !== undefined && fault.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, fault.delayMs);
        timers.add(timer);
      });
      if (closed || res.destroyed) return;
    }
    res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
    res.end(answer.body);
  }, options.port ?? 0);

  function route(pathname: string): { target: ReceiverTarget; id: string } | undefined {
    if (pathname === '/robot/send') return { target: 'dingtalk', id: '' };
    const lark = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(pathname);
    if (lark?.[1]) return { target: 'lark', id: lark[1] };
    if (pathname === '/cgi-bin/webhook/send') return { target: 'wecom', id: '' };
    if (pathname.startsWith('/services/')) return { target: 'slack', id: pathname };
    if (pathname === '/v2/enqueue') return { target: 'pagerduty', id: '' };
    if (pathname === '/hooks/alerts') return { target: 'webhook', id: '' };
    return undefined;
  }

  function check(routed: { target: ReceiverTarget; id: string }, view: RequestView): Checked {
    switch (routed.target) {
      case 'dingtalk':
        return checkDingTalk(view, options.secrets, creds);
      case 'lark':
        return checkLark(view, options.secrets, routed.id, creds);
      case 'wecom':
        return checkWeCom(view, creds);
      case 'slack':
        return checkSlack(view, routed.id, creds);
      case 'pagerduty':
        return checkPagerDuty(view);
      case 'webhook':
        return checkWebhook(view, options.secrets);
    }
  }

  function track(body: unknown): void {
    const event = body as { event_action?: string; dedup_key?: string };
    if (event.dedup_key === undefined) return;
    if (event.event_action === 'trigger') open.add(event.dedup_key);
    if (event.event_action === 'resolve') open.delete(event.dedup_key);
  }

  return {
    url: server.url,
    urls: {
      dingtalk: `${server.url}/robot/send?access_token=${creds.dingtalkToken}`,
      lark: `${server.url}/open-apis/bot/v2/hook/${creds.larkHook}`,
      wecom: `${server.url}/cgi-bin/webhook/send?key=${creds.wecomKey}`,
      slack: `${server.url}${creds.slackPath}`,
      pagerduty: `${server.url}/v2/enqueue`,
      webhook: `${server.url}/hooks/alerts`,
    },
    routingKey,
    received,
    faults,
    pagerdutyOpen: () => [...open],
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}

/** The answer for an injected fault: the given body, or one typical of the service for that status. */
function faultAnswer(target: ReceiverTarget, fault: WebhookFaultSpec, status: number): Answer {
  const headers = fault.headers;
  if (typeof fault.body === 'string') return plain(status, fault.body, headers);
  if (fault.body !== undefined) return json(status, fault.body, headers);
  if (target === 'slack') {
    const text = status === 429 ? 'rate_limited' : status >= 500 ? 'internal_error' : 'invalid_payload';
    return plain(status, text, headers);
  }
  if (target === 'pagerduty' && status === 429) {
    return json(
      status,
      { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
      headers,
    );
  }
  return json(status, { message: STATUS_CODES[status] ?? 'error' }, headers);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}
