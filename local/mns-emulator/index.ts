export type { MnsDeliveryAttempt, MnsDeliveryStats } from './delivery-stats.js';
export type {
  MnsFaultSpec,
  MnsFaults,
  MnsOperation,
  MnsQueueOperation,
  MnsTopicOperation,
} from './faults.js';
export { MNS_ERRORS, type MnsErrorCode } from './mns-errors.js';
export {
  type FunctionSubscriptionOptions,
  type MnsEmulator,
  type MnsEmulatorOptions,
  startMnsEmulator,
} from './mns-server.js';
export type { FunctionEventFormat, PublishedMessage, QueueNotifyFormat } from './notification.js';
export type { MessageState, MnsMessageView, MnsQueueView } from './queue.js';
export type { NotifyStrategy } from './retry-schedule.js';
export type { MnsSubscriptionView } from './subscription.js';
export type { MnsTopicView, TopicAttributes } from './topic.js';
