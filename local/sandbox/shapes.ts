/** How events reach the function (s.yaml's DEPLOY_SHAPE): one EventBridge invocation per event, or batches. */
export const SHAPES = ['direct', 'buffered'] as const;
export type Shape = (typeof SHAPES)[number];
