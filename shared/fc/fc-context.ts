/** The parts of FC 3.0's invocation `context` this project reads (alibaba-cloud.md §2). */
export interface FcContext {
  requestId: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; handler?: string; memory?: number; timeout?: number };
  region?: string;
  accountId?: string;
}

/**
 * The timeout to plan for when the context does not say (FC always does; other callers may not): FC 3.0's
 * default function timeout, 3 s (cloud-facts FT-14). Assuming the shortest is the safe side: stopping early only
 * dead-letters the unfinished work as `deadline` (retryable), while assuming longer than FC allows gets the
 * invocation killed before it reports.
 */
export const DEFAULT_TIMEOUT_SECONDS = 3;
