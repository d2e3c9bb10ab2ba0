export type { MnsFaultSpec, MnsFaults, MnsOperation } from './faults.js';
export { MNS_ERRORS, type MnsErrorCode } from './mns-errors.js';
export { type MnsEmulator, type MnsEmulatorOptions, startMnsEmulator } from './mns-server.js';
export type { MessageState, MnsMessageView, MnsQueueView } from './queue.js';
