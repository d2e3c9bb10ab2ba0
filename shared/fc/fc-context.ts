/** The parts of FC 3.0's invocation `context` this project reads (alibaba-cloud.md §2). */
export interface FcContext {
  requestId: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; handler?: string; memory?: number; timeout?: number };
  region?: string;
  accountId?: string;
}

/** FC's default function timeout, for a context that does not say. */
export const DEFAULT_TIMEOUT_SECONDS = 60;
