import type { IncomingHttpHeaders } from 'node:http';

export type ReceiverTarget = 'dingtalk' | 'lark' | 'wecom' | 'slack' | 'pagerduty' | 'webhook';

/** One request as the receiver saw it, and what it made of it. */
export interface ReceivedAlert {
  target: ReceiverTarget;
  /** The parsed JSON body (undefined when it is not JSON). */
  body: unknown;
  /** The body as sent. */
  raw: string;
  headers: IncomingHttpHeaders;
  /** Query parameters, decoded. */
  query: Record<string, string>;
  /** True when the request meets the service's format and, where a secret is set, its signature check. */
  verified: boolean;
  /** Why it is not verified: every format and signature problem found. */
  problems: string[];
  /** The HTTP status answered. */
  status: number;
  /** Answered by an injected fault rather than as the service would. */
  fault: boolean;
  at: number;
}
