import type { MnsOperation } from './faults.js';

/** Which operation a request is, from its method, path, query and (for POST) the body's root element. */
export interface MnsRoute {
  op: MnsOperation | undefined;
  queue: string | undefined;
  query: QueryParams;
}

/**
 * Query parameters, looked up case-insensitively: the SDK sends `ReceiptHandle` to DeleteMessage but
 * `receiptHandle` to ChangeMessageVisibility, and both work against MNS.
 */
export class QueryParams {
  readonly #values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const pair of rawQuery.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      // Receipt handles travel raw (`+ / =`), so no `+`-as-space; only %XX escapes are undone.
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

export function routeRequest(method: string, rawUrl: string, body: Buffer): MnsRoute {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new QueryParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const match = QUEUE_PATH.exec(path);
  if (!match?.[1]) return { op: undefined, queue: undefined, query };
  const queue = percentDecode(match[1]);
  const messages = match[2] !== undefined;
  return { op: operationOf(method.toUpperCase(), messages, query, body), queue, query };
}

function operationOf(
  method: string,
  messages: boolean,
  query: QueryParams,
  body: Buffer,
): MnsOperation | undefined {
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
