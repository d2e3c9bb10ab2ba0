import { AppError } from '../errors/app-error.js';

/**
 * An event that cannot be turned into instance references. Always permanent: the same bytes will fail the same
 * way, so they go to the dead-letter queue as `poison` instead of being retried.
 */
export class EventDecodeError extends AppError {
  /** JSON-pointer-like path of the offending field, e.g. `/data/resourceId` or `/2/subject`. */
  readonly path: string;

  constructor(code: `InvalidEvent.${string}`, message: string, path = '', cause?: unknown) {
    super(code, message, { errorClass: 'permanent', cause });
    this.path = path;
  }
}
