import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { startHttpServer } from '../http/http-server.js';
import { headerValue, parseMnsAuthorization, verifyMnsRequest } from '../signature/mns.js';
import {
  defaultFaultCode,
  FaultList,
  type MnsFaultSpec,
  type MnsFaults,
  type MnsOperation,
} from './faults.js';
import { errorDocument, MnsError } from './mns-errors.js';
import { DROPPED, OPERATIONS, type Reply } from './operations.js';
import type { MnsQueueView } from './queue.js';
import { QueueRegistry } from './queue-registry.js';
import { routeRequest } from './routes.js';

export interface MnsEmulatorOptions {
  /** The keys accepted (shared with the other emulators of a sandbox). */
  credentials: CredentialStore;
  accountId: string;
  /** Queues that exist from the start. */
  queues?: readonly string[];
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
  readonly faults: MnsFaults;
  readonly calls: CallLog;
  /** Stops listening and drops every connection; pending long polls end at once. */
  close(): Promise<void>;
}

/** Requests whose Date differs from the server clock by more than this are refused (MNS allows 15 minutes). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

export async function startMnsEmulator(options: MnsEmulatorOptions): Promise<MnsEmulator> {
  const now = options.now ?? Date.now;
  const calls = options.calls ?? new CallLog();
  const faults = new FaultList();
  const queues = new QueueRegistry({ visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30, now });
  for (const name of options.queues ?? []) queues.ensure(name);
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
    const accessKeyId = parseMnsAuthorization(headerValue(req.headers, 'authorization') ?? '')?.accessKeyId;

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
        params: route.queue === undefined ? {} : { queue: route.queue },
      });
    };
    const answerError = (error: MnsError) =>
      answer(
        { status: error.status, xml: errorDocument(error.code, error.message, requestId, hostId()) },
        error.code,
      );

    try {
      authenticate(req, body, options.credentials);
      if (!route.op || route.queue === undefined) throw new MnsError('InvalidRequestURL');

      const fault = faults.take(route.op, route.queue);
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (closing) {
        res.destroy();
        return;
      }
      const partial = fault?.failEntries !== undefined && isBatchWrite(route.op);
      if (fault?.status !== undefined && !partial) return answerFault(fault, fault.status);

      const gone = () => closing || res.destroyed || req.socket.destroyed;
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
        params: { queue: route.queue ?? '' },
      });
    }
  }

  /** Checks the Date header, signature, STS token, clock skew and Content-MD5, in that order. */
  function authenticate(req: IncomingMessage, body: Buffer, credentials: CredentialStore): void {
    const date = headerValue(req.headers, 'date');
    if (!date) throw new MnsError('MissingDateHeader');
    const dateMs = Date.parse(date);
    if (Number.isNaN(dateMs)) throw new MnsError('InvalidDateHeader');

    const verdict = verifyMnsRequest(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      (id) => credentials.get(id),
    );
    if (!verdict.ok) {
      if (verdict.code === 'InvalidSecurityToken') {
        const why =
          verdict.reason === 'unexpected' ? 'was sent with a long-term AccessKey' : `is ${verdict.reason}`;
        throw new MnsError('InvalidSecurityToken', `The security token you provided ${why}.`);
      }
      if (verdict.code === 'SignatureDoesNotMatch') {
        throw new MnsError(
          'SignatureDoesNotMatch',
          `The request signature we calculated does not match the signature you provided. StringToSign: ${JSON.stringify(verdict.stringToSign)}`,
        );
      }
      throw new MnsError(verdict.code);
    }

    if (Math.abs(Date.now() - dateMs) > MAX_CLOCK_SKEW_MS) throw new MnsError('TimeExpired');

    const md5 = headerValue(req.headers, 'content-md5');
    if (md5 !== undefined) {
      const expected = Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
      if (md5 !== expected) throw new MnsError('InvalidDegist');
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
    faults,
    calls,
    close: async () => {
      closing = true;
      for (const queue of queues.all()) queue.releaseWaiters();
      for (const wake of [...sleeps]) wake();
      await server.close();
    },
  };
}

function isBatchWrite(op: MnsOperation): boolean {
  return op === 'BatchSendMessage' || op === 'BatchDeleteMessage';
}
