import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';
import type { DefaultBusTrigger } from '../deployment/deployment.js';
import { type DeliveryListener, errorText, notify } from './delivery-record.js';
import { type AsyncInvocationTypeMeaning, invokesAsync } from './invocation-type.js';
import { retryDelaysSeconds } from './retry-schedule.js';
import type { Sleeper } from './sleep.js';

/** Delivers one event; resolves to whether it was delivered. Never rejects. */
export type Deliver = (event: Record<string, unknown>) => Promise<boolean>;

export interface DirectDeliveryOptions {
  invoker: FunctionInvoker;
  functionName: string;
  trigger: DefaultBusTrigger;
  /** What the trigger's `asyncInvocationType: true` means (cloud-facts FT-1). */
  asyncInvocationTypeMeans: AsyncInvocationTypeMeaning;
  /** Multiplies the retry waits. */
  timeScale: number;
  sleeper: Sleeper;
  random?: () => number;
  onDelivery?: DeliveryListener;
}

/**
 * A default-bus EventBridge trigger (direct shape): one invocation per matching event, asynchronous or not as the
 * trigger's `asyncInvocationType` reads under `asyncInvocationTypeMeans`.
 * - Async: FC's 202 is the delivery; FC's async retries and onFailure destination take over from there.
 * - Sync: the function's answer is the delivery; a function error counts as a failed push (cloud-facts FT-6).
 * A failed push (an error answer, a refusal such as throttling or an oversized payload, a transport error) is
 * retried as EventBridge retries an event rule's target when nothing else is set: BACKOFF_RETRY, 3 retries
 * 10–20 s apart (inferred, FT-5). After that the event is dropped: retry and dead-letter settings are not
 * documented for the default bus's event source (FT-3), so a trigger's `runOptions` cannot keep it.
 */
export function directDelivery(options: DirectDeliveryOptions): Deliver {
  const { invoker, functionName, trigger, onDelivery } = options;
  const async = invokesAsync(trigger.asyncInvocationType, options.asyncInvocationTypeMeans);
  return async (event) => {
    const payload = trigger.eventSchema === 'RawData' ? rawDataPayload(event) : jsonPayload(event);
    const delays = retryDelaysSeconds('BACKOFF_RETRY', options.random);
    let errorType: string | undefined;
    for (let attempt = 0; ; attempt++) {
      let ok = false;
      errorType = undefined;
      try {
        const result = await invoker.invoke(functionName, payload, { async });
        ok = result.ok;
        errorType = result.errorType;
      } catch (error) {
        errorType = errorText(error);
      }
      notify(onDelivery, {
        kind: 'invoke',
        route: trigger.name,
        attempt,
        ok,
        async,
        ...(errorType === undefined ? {} : { errorType }),
      });
      if (ok) return true;
      const delay = delays[attempt];
      if (delay === undefined) break;
      await options.sleeper.sleep(delay * 1000 * options.timeScale);
      // Closing mid-retry: the emulator is going away with the event, as a stopped EventBridge would not.
      if (options.sleeper.cancelled) return false;
    }
    notify(onDelivery, {
      kind: 'dropped',
      route: trigger.name,
      async,
      attempts: delays.length + 1,
      ...(errorType === undefined ? {} : { errorType }),
    });
    return false;
  };
}

export function jsonPayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * `eventSchema: RawData` hands over only the CloudEvent's `data` (reference §1.1). A string `data` goes as its
 * text, not JSON-quoted, and an event without `data` as an empty payload (both inferred: no doc covers them).
 */
export function rawDataPayload(event: Record<string, unknown>): Buffer {
  const data = event.data;
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : jsonPayload(data);
}
