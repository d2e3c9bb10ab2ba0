import { AppError } from '../errors/app-error.js';
import { describeType, truncateText } from './text.js';

export interface EventDecodeErrorOptions {
  /** The offending value (kept as short text: see `value`). */
  value?: unknown;
  cause?: unknown;
}

/** How much of an offending value an error keeps. */
const MAX_VALUE_CHARS = 200;

/**
 * An event, or one instance reference in it, that cannot be turned into instance references. Always permanent:
 * the same bytes will fail the same way, so they go to the dead-letter queue as `poison` instead of being retried.
 */
export class EventDecodeError extends AppError {
  /** JSON-pointer-like path of the offending field, e.g. `/data/resourceId` or `/2/subject`. */
  readonly path: string;
  /**
   * The offending value as text, truncated: a string as it is (not escaped: print it quoted), anything else by
   * its JSON type (`number 42`, `array`, `object`). Undefined when the problem is not one value (not JSON, …).
   */
  declare readonly value?: string;

  constructor(
    code: `InvalidEvent.${string}`,
    message: string,
    path = '',
    options: EventDecodeErrorOptions = {},
  ) {
    super(code, message, { errorClass: 'permanent', cause: options.cause });
    this.path = path;
    if (Object.hasOwn(options, 'value')) this.value = valueText(options.value);
  }
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return truncateText(value, MAX_VALUE_CHARS);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return describeType(value);
}
