import type { MnsFaultSpec, MnsQueueOperation } from './faults.js';
import { MnsError } from './mns-errors.js';
import {
  childrenNamed,
  mnsDocument,
  parseXml,
  type XmlElement,
  type XmlFields,
  xmlFields,
} from './mns-xml.js';
import type { MnsMessageView, MnsQueue } from './queue.js';
import type { QueueRegistry } from './queue-registry.js';
import type { QueryParams } from './routes.js';

/** MNS limits (API reference): message size, batch size, long-poll wait, visibility and delay ranges. */
export const LIMITS = {
  maxMessageBytes: 65536,
  maxBatch: 16,
  maxWaitSeconds: 30,
  visibilitySeconds: [1, 43200],
  delaySeconds: [0, 604800],
  priority: [1, 16],
} as const;

export interface Reply {
  status: number;
  /** XML document; no body when absent (204, or 201 from CreateQueue). */
  xml?: string;
  headers?: Record<string, string>;
}

/** The answer was abandoned: the server is closing or the client went away during a long poll. */
export const DROPPED = 'dropped';

export interface OperationContext {
  queues: QueueRegistry;
  /** `http://127.0.0.1:PORT`, for CreateQueue's Location. */
  baseUrl: string;
  /** True once the call can no longer be answered (server closing, client gone). */
  isGone(): boolean;
  /** A fault asking for a partial batch failure, if one matched this call. */
  partialFault?: MnsFaultSpec;
}

export interface OperationRequest {
  op: MnsQueueOperation;
  queue: string;
  query: QueryParams;
  body: Buffer;
}

type Handler = (
  ctx: OperationContext,
  request: OperationRequest,
) => Reply | typeof DROPPED | Promise<Reply | typeof DROPPED>;

export const OPERATIONS: Record<MnsQueueOperation, Handler> = {
  CreateQueue: createQueue,
  GetQueueAttributes: getQueueAttributes,
  SendMessage: sendMessage,
  BatchSendMessage: batchSendMessage,
  ReceiveMessage: (ctx, request) => receive(ctx, request, false),
  BatchReceiveMessage: (ctx, request) => receive(ctx, request, true),
  PeekMessage: (ctx, request) => peek(ctx, request, false),
  BatchPeekMessage: (ctx, request) => peek(ctx, request, true),
  DeleteMessage: deleteMessage,
  BatchDeleteMessage: batchDeleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
};

function createQueue(ctx: OperationContext, request: OperationRequest): Reply {
  const root = parseBody(request.body, 'Queue');
  const visibility = intField(root, 'VisibilityTimeout', LIMITS.visibilitySeconds);
  const existing = ctx.queues.get(request.queue);
  if (existing) {
    if (visibility !== undefined && visibility !== existing.visibilityTimeoutSeconds) {
      throw new MnsError('QueueAlreadyExist');
    }
    return { status: 204 };
  }
  ctx.queues.ensure(request.queue, visibility);
  return { status: 201, headers: { location: `${ctx.baseUrl}/queues/${request.queue}` } };
}

function getQueueAttributes(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const counts = queue.counts();
  const fields: XmlFields = [
    ['QueueName', queue.name],
    ['CreateTime', Math.floor(queue.createTime / 1000)],
    ['LastModifyTime', Math.floor(queue.lastModifyTime / 1000)],
    ['DelaySeconds', 0],
    ['MaximumMessageSize', LIMITS.maxMessageBytes],
    ['MessageRetentionPeriod', 345600],
    ['VisibilityTimeout', queue.visibilityTimeoutSeconds],
    ['PollingWaitSeconds', 0],
    ['ActiveMessages', counts.active],
    ['InactiveMessages', counts.inactive],
    ['DelayMessages', counts.delayed],
    ['LoggingEnabled', 'False'],
  ];
  return { status: 200, xml: mnsDocument('Queue', xmlFields(fields)) };
}

function sendMessage(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const input = messageInput(parseBody(request.body, 'Message'));
  const sent = queue.send(input);
  return { status: 201, xml: mnsDocument('Message', xmlFields(sentFields(sent))) };
}

/**
 * Partial failure (only through `failEntries` faults): HTTP 500 with a `<Messages>` root in which failed entries carry
 * `<ErrorCode>`/`<ErrorMessage>` and the others `<MessageId>`/`<MessageBodyMD5>`. That shape is the MNS
 * BatchSendMessage documentation's as we understand it, and what aliyun-mns-python-sdk's BatchSendMessageDecoder
 * decodes. `@alicloud/mns` does not throw on it: it returns `{code: 500, body: [entries]}`.
 */
function batchSendMessage(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const root = parseBody(request.body, 'Messages');
  const entries = root.children.map((child) => {
    if (child.name !== 'Message') throw schemaError(child.name);
    return messageInput(child);
  });
  if (entries.length < 1 || entries.length > LIMITS.maxBatch) {
    throw new MnsError('InvalidArgument', `The count of Message should between 1 and ${LIMITS.maxBatch}.`);
  }
  const total = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.body, 'utf8'), 0);
  if (total > LIMITS.maxMessageBytes) {
    throw new MnsError(
      'InvalidArgument',
      `The total size of MessageBody in a batch should between 1 and ${LIMITS.maxMessageBytes} bytes.`,
    );
  }
  const fault = ctx.partialFault;
  const failing = new Set(fault?.failEntries ?? []);
  let failed = 0;
  const items = entries.map((entry, index) => {
    if (failing.has(index)) {
      failed++;
      const code = fault?.code ?? 'InternalError';
      return xmlFields([
        ['ErrorCode', code],
        ['ErrorMessage', fault?.message ?? new MnsError(code).message],
      ]);
    }
    return xmlFields(sentFields(queue.send(entry)));
  });
  const xml = mnsDocument('Messages', items.map((inner) => `<Message>${inner}</Message>`).join(''));
  return { status: failed > 0 ? (fault?.status ?? 500) : 201, xml };
}

async function receive(
  ctx: OperationContext,
  request: OperationRequest,
  batch: boolean,
): Promise<Reply | typeof DROPPED> {
  const queue = ctx.queues.require(request.queue);
  const max = batch ? batchSize(request.query) : 1;
  const waitSeconds = intParam(request.query, 'waitseconds', [0, LIMITS.maxWaitSeconds]) ?? 0;
  const got = await receiveWithin(ctx, queue, max, waitSeconds * 1000);
  if (got === DROPPED) return DROPPED;
  if (got.length === 0) throw new MnsError('MessageNotExist');
  const items = got.map((message) => xmlFields(receivedFields(message)));
  return {
    status: 200,
    xml: batch
      ? mnsDocument('Messages', items.map((inner) => `<Message>${inner}</Message>`).join(''))
      : mnsDocument('Message', items[0] ?? ''),
  };
}

/** Long poll: answer as soon as a message can be had, or empty-handed when the wait is over. */
async function receiveWithin(
  ctx: OperationContext,
  queue: MnsQueue,
  max: number,
  waitMs: number,
): Promise<MnsMessageView[] | typeof DROPPED> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    if (ctx.isGone()) return DROPPED;
    const got = queue.receive(max);
    if (got.length > 0) return got;
    const left = deadline - performance.now();
    if (left <= 0) return [];
    await queue.waitForChange(left);
  }
}

function peek(ctx: OperationContext, request: OperationRequest, batch: boolean): Reply {
  const queue = ctx.queues.require(request.queue);
  const got = queue.peek(batch ? batchSize(request.query) : 1);
  if (got.length === 0) throw new MnsError('MessageNotExist');
  const items = got.map((message) => xmlFields(peekedFields(message)));
  return {
    status: 200,
    xml: batch
      ? mnsDocument('Messages', items.map((inner) => `<Message>${inner}</Message>`).join(''))
      : mnsDocument('Message', items[0] ?? ''),
  };
}

function deleteMessage(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const handle = request.query.get('ReceiptHandle');
  if (!handle) throw new MnsError('MissingReceiptHandle');
  // The API page's code; an FAQ says MessageNotExist (cloud-facts MNS-14).
  if (!queue.delete(handle)) throw new MnsError('ReceiptHandleError');
  return { status: 204 };
}

/**
 * All deleted → 204. Otherwise 404 with `<Errors><Error><ErrorCode/><ErrorMessage/><ReceiptHandle/></Error>…`, one
 * per handle not deleted (the shape the MNS docs and aliyun-mns-python-sdk's BatchDeleteMessageDecoder describe);
 * `@alicloud/mns` returns those entries as `body`.
 */
function batchDeleteMessage(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const root = parseBody(request.body, 'ReceiptHandles');
  const handles = root.children.map((child) => {
    if (child.name !== 'ReceiptHandle' || child.children.length > 0) throw schemaError(child.name);
    return child.text;
  });
  if (handles.length < 1 || handles.length > LIMITS.maxBatch) {
    throw new MnsError(
      'InvalidArgument',
      `The count of ReceiptHandle should between 1 and ${LIMITS.maxBatch}.`,
    );
  }
  const fault = ctx.partialFault;
  const failing = new Set(fault?.failEntries ?? []);
  const errors: string[] = [];
  handles.forEach((handle, index) => {
    let code: string | undefined;
    let message: string | undefined;
    if (failing.has(index)) {
      code = fault?.code ?? 'InternalError';
      message = fault?.message;
    } else if (!queue.delete(handle)) {
      code = 'ReceiptHandleError';
    }
    if (code === undefined) return;
    const fields = xmlFields([
      ['ErrorCode', code],
      ['ErrorMessage', message ?? new MnsError(code).message],
      ['ReceiptHandle', handle],
    ]);
    errors.push(`<Error>${fields}</Error>`);
  });
  if (errors.length === 0) return { status: 204 };
  return { status: fault?.status ?? 404, xml: mnsDocument('Errors', errors.join('')) };
}

function changeMessageVisibility(ctx: OperationContext, request: OperationRequest): Reply {
  const queue = ctx.queues.require(request.queue);
  const handle = request.query.get('receiptHandle');
  if (!handle) throw new MnsError('MissingReceiptHandle');
  const seconds = intParam(request.query, 'visibilityTimeout', LIMITS.visibilitySeconds);
  if (seconds === undefined) throw new MnsError('MissingVisibilityTimeout');
  const changed = queue.changeVisibility(handle, seconds);
  if (!changed) throw new MnsError('ReceiptHandleError');
  const fields: XmlFields = [
    ['ReceiptHandle', changed.receiptHandle],
    ['NextVisibleTime', changed.nextVisibleTime],
  ];
  return { status: 200, xml: mnsDocument('ChangeVisibility', xmlFields(fields)) };
}

// ---- request parsing ----

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as an XML document with the expected root. A body that is not well-formed (e.g. an unescaped `<` or `&`
 * in a MessageBody, which `@alicloud/mns` sends as is) → 400 MalformedXML; the real service's answer is unknown
 * (cloud-facts MNS-8).
 */
export function parseBody(body: Buffer, root: string): XmlElement {
  let document: XmlElement;
  try {
    document = parseXml(utf8.decode(body));
  } catch {
    throw new MnsError('MalformedXML');
  }
  if (document.name !== root) throw schemaError(document.name);
  return document;
}

export function schemaError(element: string): MnsError {
  return new MnsError(
    'InvalidArgument',
    `The XML you provided did not validate against our published schema, cause by Element ${element}.`,
  );
}

function messageInput(element: XmlElement): { body: string; delaySeconds?: number; priority?: number } {
  const bodies = childrenNamed(element, 'MessageBody');
  const bodyElement = bodies[0];
  if (bodies.length !== 1 || !bodyElement || bodyElement.children.length > 0)
    throw schemaError('MessageBody');
  const bytes = Buffer.byteLength(bodyElement.text, 'utf8');
  if (bytes < 1 || bytes > LIMITS.maxMessageBytes) {
    throw new MnsError(
      'InvalidArgument',
      `The value of MessageBody should between 1 and ${LIMITS.maxMessageBytes} bytes.`,
    );
  }
  const input: { body: string; delaySeconds?: number; priority?: number } = { body: bodyElement.text };
  const delaySeconds = intField(element, 'DelaySeconds', LIMITS.delaySeconds);
  const priority = intField(element, 'Priority', LIMITS.priority);
  if (delaySeconds !== undefined) input.delaySeconds = delaySeconds;
  if (priority !== undefined) input.priority = priority;
  return input;
}

export function intField(
  element: XmlElement,
  name: string,
  range: readonly [number, number],
): number | undefined {
  const found = childrenNamed(element, name);
  if (found.length === 0) return undefined;
  return checkedInt(name, found.length === 1 ? found[0]?.text : undefined, range);
}

function intParam(query: QueryParams, name: string, range: readonly [number, number]): number | undefined {
  const value = query.get(name);
  return value === undefined ? undefined : checkedInt(name, value, range);
}

function checkedInt(name: string, text: string | undefined, [low, high]: readonly [number, number]): number {
  const value = text !== undefined && /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= low && value <= high)) {
    throw new MnsError('InvalidArgument', `The value of ${name} should between ${low} and ${high}.`);
  }
  return value;
}

function batchSize(query: QueryParams): number {
  return intParam(query, 'numOfMessages', [1, LIMITS.maxBatch]) ?? 1;
}

// ---- response fields ----

function sentFields(message: MnsMessageView): XmlFields {
  return [
    ['MessageId', message.messageId],
    ['MessageBodyMD5', message.bodyMd5],
  ];
}

function receivedFields(message: MnsMessageView): XmlFields {
  return [
    ['MessageId', message.messageId],
    ['ReceiptHandle', message.receiptHandle ?? ''],
    ['MessageBodyMD5', message.bodyMd5],
    ['MessageBody', message.body],
    ['EnqueueTime', message.enqueueTime],
    ['NextVisibleTime', message.nextVisibleTime],
    ['FirstDequeueTime', message.firstDequeueTime],
    ['DequeueCount', message.dequeueCount],
    ['Priority', message.priority],
  ];
}

function peekedFields(message: MnsMessageView): XmlFields {
  return [
    ['MessageId', message.messageId],
    ['MessageBodyMD5', message.bodyMd5],
    ['MessageBody', message.body],
    ['EnqueueTime', message.enqueueTime],
    ['FirstDequeueTime', message.firstDequeueTime],
    ['DequeueCount', message.dequeueCount],
    ['Priority', message.priority],
  ];
}
