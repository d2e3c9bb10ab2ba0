export type { WebhookFaultSpec, WebhookFaults } from './faults.js';
export type { ReceivedAlert, ReceiverTarget } from './received.js';
export { startWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from './receiver.js';
export { ONE_HOUR_MS, WEBHOOK_WINDOW_MS } from './signatures.js';
