/** Whether trying the same thing again can succeed. */
export type ErrorClass = 'retryable' | 'permanent';

export interface AppErrorOptions {
  errorClass: ErrorClass;
  cause?: unknown;
  /** HTTP status of the answer this error stands for, when a service answered. */
  status?: number;
  /** How long the service asked us to wait before trying again (a retry-after), in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Base of every error this project throws on purpose. `code` is stable and machine-readable (it lands in
 * dead-letter records and alerts); `message` is for people. What the retry loop reads (class, status,
 * retry-after) are fields, set here, never properties added afterwards.
 */
export class AppError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  declare readonly status?: number;
  declare readonly retryAfterMs?: number;

  constructor(code: string, message: string, options: AppErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.errorClass = options.errorClass;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined && options.retryAfterMs >= 0)
      this.retryAfterMs = options.retryAfterMs;
  }
}
