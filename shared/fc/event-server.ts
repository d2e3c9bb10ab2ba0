/**
 * The HTTP server of a custom runtime (cloud-facts CR-2 … CR-6): FC posts each event invocation to `/invoke` on
 * the instance's port, as many at once as `instanceConcurrency` allows, and this server hands each to the ONE
 * handler the process built at cold start, so that concurrent invocations share it (and its ECS coalescer).
 * node:http only: the server is a few KB beside the bundle.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { stdoutStream } from '../logging/stdout.js';
import {
  type ContextDefaults,
  contextFromHeaders,
  controlPath,
  type EventAnswer,
  failureAnswer,
  successAnswer,
} from './event-request.js';
import type { FcContext } from './fc-context.js';

export type EventHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

export interface EventServerOptions {
  /** For headers FC leaves out (the timeout above all: CR-4). */
  defaults?: ContextDefaults;
  /** Where FC's per-invocation marker lines go (CR-6); stdout by default. */
  write?: (line: string) => void;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, answer: EventAnswer): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  response.end(answer.body);
}

/** One invocation: FC's start and end markers around the handler, whose result or error becomes the answer. */
async function invoke(
  handler: EventHandler,
  request: IncomingMessage,
  options: EventServerOptions,
): Promise<EventAnswer> {
  // The handler's log lines' stream, so the markers stay in order with them.
  const write = options.write ?? ((line: string) => stdoutStream().write(`${line}\n`));
  const context = contextFromHeaders(request.headers, options.defaults);
  // FC's log format for a custom runtime: the lines that delimit one invocation's logs (never its headers).
  write(`FC Invoke Start RequestId: ${context.requestId}`);
  try {
    return successAnswer(await handler(await readBody(request), context));
  } catch (error) {
    return failureAnswer(error);
  } finally {
    write(`FC Invoke End RequestId: ${context.requestId}`);
  }
}

/** The request handler of the server: event invocations to `handler`, `/initialize` acknowledged. */
export function eventRequestListener(handler: EventHandler, options: EventServerOptions = {}) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const kind = controlPath(request.method, request.url, request.headers);
    if (kind === 'initialize') {
      // No initializer is configured, so FC sends none; answered anyway, as a no-op (CR-3).
      request.resume();
      send(response, successAnswer(undefined));
      return;
    }
    if (kind === 'other') {
      request.resume();
      send(response, failureAnswer(new Error(`not an event invocation: ${request.method} ${request.url}`)));
      return;
    }
    void invoke(handler, request, options).then((answer) => send(response, answer));
  };
}

/**
 * Listens on `host:port` (FC requires 0.0.0.0 or `*`, not 127.0.0.1: CR-2) and resolves once it does. No
 * server-side timeouts: FC stops an invocation at the function's timeout, and keeps its connections open.
 */
export async function startEventServer(
  handler: EventHandler,
  listen: { host: string; port: number },
  options: EventServerOptions = {},
): Promise<Server> {
  const server = createServer(eventRequestListener(handler, options));
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
