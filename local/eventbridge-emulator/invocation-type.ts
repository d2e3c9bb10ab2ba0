/**
 * What a trigger's `asyncInvocationType: true` means: `'async'` (FC 2.0's EventBridgeTriggerConfig reference,
 * the older FC 3.0 page and `@alicloud/fc20230330`'s model: "whether to invoke the function in asynchronous
 * mode") or `'sync'` (FC 3.0's reference as updated in February 2026: true = synchronous, false = asynchronous).
 * The sources contradict each other (cloud-facts FT-1), so the emulator applies whichever it is told and the
 * tests run both.
 */
export type AsyncInvocationTypeMeaning = 'async' | 'sync';

/** The reading `npm start` uses unless told otherwise: the one most sources give. */
export const DEFAULT_ASYNC_INVOCATION_TYPE_MEANS: AsyncInvocationTypeMeaning = 'async';

/** Whether a trigger with this flag invokes the function asynchronously under this reading. */
export function invokesAsync(asyncInvocationType: boolean, trueMeans: AsyncInvocationTypeMeaning): boolean {
  return trueMeans === 'async' ? asyncInvocationType : !asyncInvocationType;
}
