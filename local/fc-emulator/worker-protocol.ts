/**
 * Messages between the emulator and an instance's worker thread (`instance-worker.mjs`, plain JS because a worker
 * runs without a TypeScript loader, as FC's own runtime runs the built code). Keep both sides in step.
 */

/** How FC reports a failed invocation: the body of a `x-fc-error-type` answer. */
export interface ErrorInfo {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

/** `workerData` of an instance. */
export interface WorkerBoot {
  /** Absolute code directory (FC_FUNC_CODE_PATH). */
  codeDir: string;
  /** `file.export`, e.g. `index.handler`. */
  handler: string;
}

/** The serialisable part of FC's `context`; the worker adds `logger`. */
export interface InvocationContextData {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
}

export type ToWorker = { type: 'invoke'; id: number; event: Uint8Array; context: InvocationContextData };

export type LogStream = 'stdout' | 'stderr';

export type FromWorker =
  | { type: 'ready'; initMs: number }
  | { type: 'init-error'; error: ErrorInfo }
  | { type: 'log'; stream: LogStream; text: string; requestId?: string }
  | { type: 'result'; id: number; ok: true; body: Uint8Array; contentType?: string }
  | { type: 'result'; id: number; ok: false; error: ErrorInfo };
