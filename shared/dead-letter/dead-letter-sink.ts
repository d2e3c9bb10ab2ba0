import { AppError } from '../errors/app-error.js';
import type { Deadline } from '../retry/deadline.js';
import type { DeadLetterRecord } from './dead-letter-record.js';

/** Where failures go. If it cannot take them, the invocation must fail (so FC keeps the event). */
export interface DeadLetterSink {
  send(records: readonly DeadLetterRecord[], deadline: Deadline): Promise<void>;
}

/** The dead-letter queue or topic could not be written: thrown out of the handler so FC retries the event. */
export class DeadLetterUnavailableError extends AppError {
  constructor(message: string, cause: unknown) {
    super('DeadLetterUnavailable', message, { errorClass: 'retryable', cause });
  }
}
