import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { startHttpServer } from '../http/http-server.js';
import { claimedAccessKeyId, headerValue, mnsRequestDate, verifyMnsRequest } from '../signature/mns.js';
import { contentMd5Form } from './content-md5.js';
import {
  defaultFaultCode,
  FaultList,
  type MnsFaultSpec,
  type MnsFaults,
  type MnsOperation,
} from './faults.js';
import { errorDocument, MnsError } from './mns-errors.js';
import type { FunctionEventFormat } from './notification.js';
import { DROPPED, OPERATIONS, type Reply } from './operations.js';
import type { MnsQueueView } from './queue.js';
import { QueueRegistry } from './queue-registry.js';
import type { NotifyStrategy } from './retry-schedule.js';
import { isTopicOperation, type MnsRoute, routeRequest } from './routes.js';
import type { MnsSubscriptionView } from './subscription.js';
import type { MnsTopicView, TopicAttributes } from './topic.js';
import { TOPIC_OPERATIONS } from './topic-operations.js';
import { TopicRegistry } from './topic-registry.js';

export interface MnsEmulatorOptions {
  /** The keys accepted (shared with the other emulators of a sandbox). */
  credentials: CredentialStore;
  accountId: string;
  /** Queues that exist from the start. */
  queues?: readonly string[];
  /** Topics that exist from the start (default attributes). */
  topics?: readonly string[];
  /**
   * Multiplies the waits between retries of a failed push (NotifyStrategy), so schedules of seconds to a day fit a
   * test or a short run; default 1.
   */
  timeScale?: number;
  /**
   * The region the emulator serves: used in the endpoints it makes up (function subscriptions) and the region a V4
   * signature's scope must name (cloud-facts MNS-4); default `cn-hangzhou`.
   */
  region?: string;
  /** Where answered calls are recorded; a fresh log when omitted. */
  calls?: CallLog;
  /** 0 (default) = any free port on 127.0.0.1. */
  port?: number;
  /** Visibility timeout of queues created without one; default 30 s. */
  visibilityTimeoutSeconds?: number;
  /**
   * Clock for queue times (enqueue, visibility). The request-date check always uses the wall clock, since the SDK
   * stamps requests with it.
   */
  now?: () => number;
}

export interface MnsEmulator {
  /** `http://127.0.0.1:PORT`: the SDK's `endpoint`. */
  readonly url: string;
  readonly accountId: string;
  /** A read-only view of a queue; throws for an unknown queue. */
  queue(name: string): MnsQueueView;
  /** Creates a queue (no-op when it exists). */
  createQueue(name: string, options?: { visibilityTimeoutSeconds?: number }): MnsQueueView;
  /** Creates a topic (no-op when it exists: its attributes are left as they are). */
  createTopic(name: string, attributes?: Partial<TopicAttributes>): MnsTopicView;
  /** A read-only view of a topic; throws for an unknown topic. */
  topic(name: string): MnsTopicView;
  /**
   * Subscribes a function to a topic, as FC's MNS topic trigger does: every matching publish calls `deliver` in the
   * background with the event FC would hand the function. Throws for an unknown topic or a taken name.
   */
  subscribeFunction(topic: string, name: string, options: FunctionSubscriptionOptions): MnsSubscriptionView;
  /** Resolves once no push of any topic is in flight or waiting for a retry. */
  idle(): Promise<void>;
  readonly faults: MnsFaults;
  readonly calls: CallLog;
  /** Stops listening and drops every connection; pending long polls end at once. */
  close(): Promise<void>;
}

/** FC's MNSTopicTriggerConfig, plus the callback that stands for the function. */
export interface FunctionSubscriptionOptions {
  /** FC's default is STREAM. */
  notifyContentFormat?: FunctionEventFormat;
  filterTag?: string;
  /** Default BACKOFF_RETRY. */
  notifyStrategy?: NotifyStrategy;
  /** Receives the event; rejecting (or throwing) fails the delivery, which is then retried per the strategy. */
  deliver: (payload: Buffer) => Promise<void>;
  /** What GetSubscriptionAttributes shows as Endpoint; default `acs:fc:<region>:<account>:functions/<name>`. */
  endpoint?: string;
}

/** Requests whose Date differs from the server clock by more than this are refused (MNS allows 15 minutes: MNS-2). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

export async function startMnsEmulator(options: MnsEmulatorOptions): Promise<MnsEmulator> {
  const now = options.now ?? Date.now;
  const region = options.region ?? 'cn-hangzhou';
  const calls = options.calls ?? new CallLog();
  const faults = new FaultList();
  const queues = new QueueRegistry({ visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30, now });
  for (const name of options.queues ?? []) queues.ensure(name);
  const topics = new TopicRegistry({
    queues,
    accountId: options.accountId,
    timeScale: options.timeScale ?? 1,
    now,
  });
  for (const name of options.topics ?? []) topics.ensure(name);
  const sleeps = new Set<() => void>();
  let closing = false;
  let baseUrl = '';

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeps.add(done);
    });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const route = routeRequest(method, rawUrl, body);
    const action: MnsOperation | 'Unknown' = route.op ?? 'Unknown';
    // The claimed key, so refused calls are attributed too.
    const accessKeyId = claimedAccessKeyId(headerValue(req.headers, 'authorization') ?? '');

    const answer = (reply: Reply, code?: string) => {
      const headers: Record<string, string> = {
        'x-mns-request-id': requestId,
        'x-mns-version': '2015-06-06',
        ...reply.headers,
      };
      if (reply.xml !== undefined) headers['content-type'] = XML_CONTENT_TYPE;
      res.writeHead(reply.status, headers);
      res.end(reply.xml);
      calls.record({
        service: 'mns',
        action,
        status: reply.status,
        ...(code !== undefined && { code }),
        ...(accessKeyId !== undefined && { accessKeyId }),
        params: callParams(route),
      });
    };
    const answerError = (error: MnsError) =>
      answer(
        { status: error.status, xml: errorDocument(error.code, error.message, requestId, hostId()) },
        error.code,
      );

    try {
      authenticate(req, body, options.credentials);
      if (!route.op) throw new MnsError('InvalidRequestURL');

      const fault = faults.take(route.op, route.queue, route.topic);
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (closing) {
        res.destroy();
        return;
      }
      const partial = fault?.failEntries !== undefined && isBatchWrite(route.op);
      if (fault?.status !== undefined && !partial) return answerFault(fault, fault.status);

      const gone = () => closing || res.destroyed || req.socket.destroyed;
      if (isTopicOperation(route.op)) {
        answer(
          TOPIC_OPERATIONS[route.op](
            { topics, baseUrl },
            {
              op: route.op,
              topic: route.topic,
              subscription: route.subscription,
              query: route.query,
              headers: req.headers,
              body,
            },
          ),
        );
        return;
      }
      if (route.queue === undefined) throw new MnsError('InvalidRequestURL');
      if (route.op === 'ReceiveMessage' || route.op === 'BatchReceiveMessage') {
        // A client that gives up on a long poll must not be handed a message afterwards: wake it to notice.
        const queue = queues.get(route.queue);
        res.once('close', () => queue?.releaseWaiters());
      }
      const reply = await OPERATIONS[route.op](
        {
          queues,
          baseUrl,
          isGone: gone,
          ...(partial && fault && { partialFault: fault }),
        },
        { op: route.op, queue: route.queue, query: route.query, body },
      );
      if (reply === DROPPED || gone()) {
        res.destroy();
        return;
      }
      answer(reply);
    } catch (error) {
      if (closing) {
        res.destroy();
        return;
      }
      answerError(
        error instanceof MnsError ? error : new MnsError('InternalError', `emulator: ${String(error)}`),
      );
    }

    function answerFault(fault: MnsFaultSpec, status: number): void {
      const code = fault.code ?? defaultFaultCode(status);
      if (!fault.nonXml) {
        answerError(new MnsError(code, fault.message, status));
        return;
      }
      // What a load balancer in front of MNS answers: plain text, which the SDK does not parse.
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(fault.message ?? `${status} ${STATUS_CODES[status] ?? 'Error'}`);
      calls.record({
        service: 'mns',
        action,
        status,
        code,
        ...(accessKeyId !== undefined && { accessKeyId }),
        params: callParams(route),
      });
    }
  }

  /** Checks the date, signature, STS token, clock skew and Content-MD5, in that order. */
  function authenticate(req: IncomingMessage, body: Buffer, credentials: CredentialStore): void {
    const date = mnsRequestDate(req.headers);
    if (!date) throw new MnsError('MissingDateHeader');
    const dateMs = Date.parse(date);
    if (Number.isNaN(dateMs)) throw new MnsError('InvalidDateHeader');

    const verdict = verifyMnsRequest(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, region },
      (id) => credentials.get(id),
    );
    if (!verdict.ok) {
      if (verdict.code === 'InvalidSecurityToken') {
        const why =
          verdict.reason === 'unexpected' ? 'was sent with a long-term AccessKey' : `is ${verdict.reason}`;
        throw new MnsError('InvalidSecurityToken', `The security token you provided ${why}.`);
      }
      if (verdict.code === 'SignatureDoesNotMatch') {
        const detail =
          verdict.expectedScope !== undefined
            ? `The credential scope must be ${JSON.stringify(verdict.expectedScope)}.`
            : `StringToSign: ${JSON.stringify(verdict.stringToSign ?? '')}`;
        throw new MnsError(
          'SignatureDoesNotMatch',
          `The request signature we calculated does not match the signature you provided. ${detail}`,
        );
      }
      throw new MnsError(verdict.code);
    }

    // MNS endpoints belong to one account (`<account>.mns.<region>…`): another account's keys are refused there.
    const owner = credentials.accountOf(verdict.accessKeyId, options.accountId);
    if (owner !== options.accountId) throw new MnsError('AccessDenied');

    if (Math.abs(Date.now() - dateMs) > MAX_CLOCK_SKEW_MS) throw new MnsError('TimeExpired');

    // Either documented form of the body's digest (cloud-facts MNS-5); anything else is refused.
    const md5 = headerValue(req.headers, 'content-md5');
    if (md5 !== undefined && contentMd5Form(md5, body) === undefined) {
      throw new MnsError(
        'InvalidDegist',
        "The Content-MD5 you specified is invalid: it must be base64 of the body's MD5 digest (RFC 1864) or of its hex form.",
      );
    }
  }

  function hostId(): string {
    return `http://${options.accountId}.mns.emulator.local`;
  }

  const server = await startHttpServer(handle, options.port ?? 0);
  baseUrl = server.url;

  const queueView = (name: string): MnsQueueView => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`MNS emulator: no queue named ${JSON.stringify(name)}`);
    return queue.view();
  };

  return {
    url: server.url,
    accountId: options.accountId,
    queue: queueView,
    createQueue: (name, createOptions) =>
      queues.ensure(name, createOptions?.visibilityTimeoutSeconds).queue.view(),
    createTopic: (name, attributes) => topics.ensure(name, attributes).topic.view(),
    topic: (name) => {
      const topic = topics.get(name);
      if (!topic) throw new Error(`MNS emulator: no topic named ${JSON.stringify(name)}`);
      return topic.view();
    },
    subscribeFunction: (topicName, name, subscription) => {
      const topic = topics.get(topicName);
      if (!topic) throw new Error(`MNS emulator: no topic named ${JSON.stringify(topicName)}`);
      if (topic.subscription(name)) {
        throw new Error(
          `MNS emulator: topic ${JSON.stringify(topicName)} already has a subscription ${JSON.stringify(name)}`,
        );
      }
      const filterTag = subscription.filterTag === '' ? undefined : subscription.filterTag;
      if (filterTag !== undefined && filterTag.length > 16) {
        throw new Error('MNS emulator: a filterTag has at most 16 characters');
      }
      topics.subscribe(topic, name, {
        endpoint: subscription.endpoint ?? `acs:fc:${region}:${options.accountId}:functions/${name}`,
        filterTag,
        notifyStrategy: subscription.notifyStrategy ?? 'BACKOFF_RETRY',
        target: {
          kind: 'function',
          format: subscription.notifyContentFormat ?? 'STREAM',
          deliver: subscription.deliver,
        },
      });
      return topic.view().subscription(name);
    },
    idle: () => topics.engine.pending.idle(),
    faults,
    calls,
    close: async () => {
      closing = true;
      topics.engine.close();
      for (const queue of queues.all()) queue.releaseWaiters();
      for (const wake of [...sleeps]) wake();
      await server.close();
    },
  };
}

/** What the call log records: the queue, or the topic and subscription. */
function callParams(route: MnsRoute): Record<string, string> {
  if (route.queue !== undefined) return { queue: route.queue };
  return {
    ...(route.topic !== undefined && { topic: route.topic }),
    ...(route.subscription !== undefined && { subscription: route.subscription }),
  };
}

function isBatchWrite(op: MnsOperation): boolean {
  return op === 'BatchSendMessage' || op === 'BatchDeleteMessage';
}
