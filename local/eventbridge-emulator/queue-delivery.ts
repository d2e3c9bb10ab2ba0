import type MNSClient from '@alicloud/mns/lib/client.js';
import type { QueueRule } from '../deployment/deployment.js';
import { type DeliveryListener, errorText, notify } from './delivery-record.js';
import type { Deliver } from './direct-delivery.js';

export type MnsSender = Pick<MNSClient, 'sendMessage'>;

/**
 * An EventBridge rule whose target is an MNS queue (buffered shape): SendMessage with the event's JSON as the
 * body, through `@alicloud/mns`. The SDK does not XML-escape bodies (sdk-wire.md §4.4), so this does; MNS hands
 * the unescaped text back to receivers. The body is the JSON itself, not base64, matching the buffer trigger's
 * `IsBase64Decode: false` in deploy/triggers-buffered.yaml. A failed send is counted, not retried.
 */
export function queueDelivery(mns: MnsSender, rule: QueueRule, onDelivery?: DeliveryListener): Deliver {
  return async (event) => {
    try {
      await mns.sendMessage(rule.queueName, { MessageBody: xmlEscape(JSON.stringify(event)) });
      notify(onDelivery, { kind: 'send', route: rule.name, queue: rule.queueName, ok: true });
      return true;
    } catch (error) {
      notify(onDelivery, {
        kind: 'send',
        route: rule.name,
        queue: rule.queueName,
        ok: false,
        error: errorText(error),
      });
      return false;
    }
  };
}

/** Escapes text for an XML element body. JSON text holds no control characters, so these three suffice. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
