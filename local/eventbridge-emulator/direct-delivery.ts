import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';
import type { DefaultBusTrigger } from '../deployment/deployment.js';
import { type DeliveryListener, errorText, notify } from './delivery-record.js';

/** Delivers one event; resolves to whether it was delivered. Never rejects. */
export type Deliver = (event: Record<string, unknown>) => Promise<boolean>;

/**
 * A default-bus EventBridge trigger (direct shape): one invocation per matching event, asynchronous when the
 * trigger says `asyncInvocationType: true` (then FC's async retries and onFailure destination take over, so a
 * 202 is a delivery). EventBridge's own push retries for event-driven rules are not modelled: a failed invocation
 * is counted and reported, not retried.
 */
export function directDelivery(
  invoker: FunctionInvoker,
  functionName: string,
  trigger: DefaultBusTrigger,
  onDelivery?: DeliveryListener,
): Deliver {
  return async (event) => {
    const payload = trigger.eventSchema === 'RawData' ? rawDataPayload(event) : jsonPayload(event);
    let ok = false;
    let errorType: string | undefined;
    try {
      const result = await invoker.invoke(functionName, payload, { async: trigger.async });
      ok = result.ok;
      errorType = result.errorType;
    } catch (error) {
      errorType = errorText(error);
    }
    notify(onDelivery, {
      kind: 'invoke',
      route: trigger.name,
      ok,
      async: trigger.async,
      ...(errorType === undefined ? {} : { errorType }),
    });
    return ok;
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
