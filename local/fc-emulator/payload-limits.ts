/**
 * FC's largest request payload per invocation type (cloud-facts FT-13): 32 MB synchronous, 128 KB asynchronous
 * (KB and MB taken as 1024-based: inferred). FC refuses a bigger one with 400 `EntityTooLarge`; EventBridge
 * event streams cut their batches to fit the limit of the invocation type they use.
 */
export const SYNC_PAYLOAD_LIMIT_BYTES = 32 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT_BYTES = 128 * 1024;

export function payloadLimitBytes(async: boolean): number {
  return async ? ASYNC_PAYLOAD_LIMIT_BYTES : SYNC_PAYLOAD_LIMIT_BYTES;
}
