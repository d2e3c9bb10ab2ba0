import type { MnsOperation, MnsQueueOperation, MnsTopicOperation } from './faults.js';

/** Which operation a request is, from its method, path, query and (for POST) the body's root element. */
export interface MnsRoute {
  op: MnsOperation | undefined;
  /** Set for queue operations. */
  queue: string | undefined;
  /** Set for topic and subscription operations (except ListTopic). */
  topic?: string;
  /** Set for operations on one subscription. */
  subscription?: string;
  query: QueryParams;
}

/**
 * Query parameters, looked up case-insensitively: the SDK sends `ReceiptHandle` to DeleteMessage but
 * `receiptHandle` to ChangeMessageVisibility, other clients `VisibilityTimeout`, and all work against MNS
 * (cloud-facts MNS-19).
 */
export class QueryParams {
  readonly #values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const pair of rawQuery.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      // Receipt handles travel raw (`+ / =`) or percent-encoded, so no `+`-as-space; only %XX escapes are undone
      // (cloud-facts MNS-20).
      this.#values.set(percentDecode(key).toLowerCase(), percentDecode(value));
    }
  }

  get(name: string): string | undefined {
    return this.#values.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }
}

function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const QUEUE_PATH = /^\/queues\/([^/?]+)(\/messages)?\/?$/;
/** `/topics`, `/topics/<t>`, `/topics/<t>/messages`, `/topics/<t>/subscriptions[/<s>]`. */
const TOPIC_PATH = /^\/topics(?:\/([^/?]+)(?:\/(messages|subscriptions)(?:\/([^/?]+))?)?)?\/?$/;

export function routeRequest(method: string, rawUrl: string, body: Buffer): MnsRoute {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new QueryParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const topicMatch = TOPIC_PATH.exec(path);
  if (topicMatch) return topicRoute(method.toUpperCase(), topicMatch, query);
  const match = QUEUE_PATH.exec(path);
  if (!match?.[1]) return { op: undefined, queue: undefined, query };
  const queue = percentDecode(match[1]);
  const messages = match[2] !== undefined;
  return { op: queueOperationOf(method.toUpperCase(), messages, query, body), queue, query };
}

function topicRoute(method: string, match: RegExpExecArray, query: QueryParams): MnsRoute {
  const [, rawTopic, child, rawSubscription] = match;
  const route: MnsRoute = { op: undefined, queue: undefined, query };
  if (rawTopic === undefined) {
    route.op = method === 'GET' ? 'ListTopic' : undefined;
    return route;
  }
  route.topic = percentDecode(rawTopic);
  if (rawSubscription !== undefined) route.subscription = percentDecode(rawSubscription);
  route.op = topicOperationOf(method, child, rawSubscription !== undefined, query);
  return route;
}

function topicOperationOf(
  method: string,
  child: string | undefined,
  oneSubscription: boolean,
  query: QueryParams,
): MnsTopicOperation | undefined {
  const override = query.get('metaoverride') === 'true';
  if (child === undefined) {
    if (method === 'PUT') return override ? 'SetTopicAttributes' : 'CreateTopic';
    if (method === 'GET') return 'GetTopicAttributes';
    return method === 'DELETE' ? 'DeleteTopic' : undefined;
  }
  if (child === 'messages') return method === 'POST' ? 'PublishMessage' : undefined;
  if (!oneSubscription) return method === 'GET' ? 'ListSubscriptionByTopic' : undefined;
  if (method === 'PUT') return override ? 'SetSubscriptionAttributes' : 'Subscribe';
  if (method === 'GET') return 'GetSubscriptionAttributes';
  return method === 'DELETE' ? 'Unsubscribe' : undefined;
}

const TOPIC_OPERATIONS: ReadonlySet<MnsOperation> = new Set<MnsTopicOperation>([
  'CreateTopic',
  'GetTopicAttributes',
  'SetTopicAttributes',
  'DeleteTopic',
  'ListTopic',
  'PublishMessage',
  'Subscribe',
  'GetSubscriptionAttributes',
  'SetSubscriptionAttributes',
  'Unsubscribe',
  'ListSubscriptionByTopic',
]);

export function isTopicOperation(op: MnsOperation): op is MnsTopicOperation {
  return TOPIC_OPERATIONS.has(op);
}

function queueOperationOf(
  method: string,
  messages: boolean,
  query: QueryParams,
  body: Buffer,
): MnsQueueOperation | undefined {
  if (!messages) {
    if (method === 'PUT' && !query.has('metaoverride')) return 'CreateQueue';
    if (method === 'GET') return 'GetQueueAttributes';
    return undefined;
  }
  switch (method) {
    case 'POST':
      // SendMessage and BatchSendMessage share the URL; only the root element tells them apart.
      return /^\s*(?:<\?xml[^>]*\?>)?\s*<Messages[\s>/]/.test(body.toString('utf8', 0, 512))
        ? 'BatchSendMessage'
        : 'SendMessage';
    case 'GET':
      if (query.get('peekonly') === 'true')
        return query.has('numOfMessages') ? 'BatchPeekMessage' : 'PeekMessage';
      return query.has('numOfMessages') ? 'BatchReceiveMessage' : 'ReceiveMessage';
    case 'DELETE':
      return query.has('ReceiptHandle') ? 'DeleteMessage' : 'BatchDeleteMessage';
    case 'PUT':
      return 'ChangeMessageVisibility';
    default:
      return undefined;
  }
}
