/**
 * What the emulator did with an event, reported through `onDelivery` as it happens (tests and `npm start` log
 * these). `route` is the trigger or rule name.
 */
export type DeliveryRecord =
  /** A default-bus trigger invoked the function with one event; `attempt` 0 is the first try. */
  | { kind: 'invoke'; route: string; attempt: number; ok: boolean; async: boolean; errorType?: string }
  /** A default-bus trigger gave up on an event after its retries: nothing holds it (cloud-facts FT-3). */
  | { kind: 'dropped'; route: string; async: boolean; attempts: number; errorType?: string }
  /** A queue rule sent one event to its MNS queue. */
  | { kind: 'send'; route: string; queue: string; ok: boolean; error?: string }
  /** An event stream invoked the function with a batch; `attempt` 0 is the first try. */
  | {
      kind: 'batch';
      route: string;
      events: number;
      attempt: number;
      ok: boolean;
      async: boolean;
      errorType?: string;
    }
  /** An event stream sent a failed batch's events to its dead-letter queue (or dropped them: no queue). */
  | { kind: 'dead-letter'; route: string; queue?: string; events: number; ok: boolean; error?: string }
  /** An event stream with `errorsTolerance: NONE` gave up on a batch and stopped. */
  | { kind: 'stream-stopped'; route: string; events: number }
  /** An MNS call of an event stream failed (receive or delete); the stream carries on. */
  | { kind: 'stream-error'; route: string; operation: 'receive' | 'delete'; error: string };

export type DeliveryListener = (record: DeliveryRecord) => void;

/** Calls the listener, never letting its exception break a delivery. */
export function notify(listener: DeliveryListener | undefined, record: DeliveryRecord): void {
  if (listener === undefined) return;
  try {
    listener(record);
  } catch {
    // A listener's bug is not the emulator's failure.
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
