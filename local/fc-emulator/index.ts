export { type AsyncRequestRecord, retryDelayMs } from './async-invoker.js';
export {
  buildFailureRecord,
  type FcFailureRecord,
  functionArn,
  type RecordBodyEncoding,
} from './failure-record.js';
export { type FcEmulator, type FcEmulatorOptions, startFcEmulator } from './fc-emulator.js';
export { FC_ERRORS, FcApiError, FcEmulatorClosedError, type FcErrorCode } from './fc-errors.js';
export type { FunctionLogLine, FunctionUpdate, InvocationRecord } from './function-runtime.js';
export type { FcFailureType, InvocationAnswer } from './invocation-answer.js';
