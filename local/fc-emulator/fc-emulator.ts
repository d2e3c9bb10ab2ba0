import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { FunctionDeployment } from '../deployment/deployment.js';
import { NonceStore } from '../ecs-emulator/nonce-store.js';
import { startHttpServer } from '../http/http-server.js';
import { AsyncInvoker, type AsyncRequestRecord } from './async-invoker.js';
import { DEFAULT_RECORD_FORM, type FailureRecordForm, type RecordBodyEncoding } from './failure-record.js';
import { FcApiError, FcEmulatorClosedError } from './fc-errors.js';
import { createFcHandler } from './fc-server.js';
import {
  type FunctionLogLine,
  FunctionRuntime,
  type FunctionUpdate,
  type InvocationRecord,
} from './function-runtime.js';
import { type InvocationAnswer, queuedAnswer, syncAnswer } from './invocation-answer.js';
import { MnsDestination } from './mns-destination.js';
import { payloadLimitBytes, SYNC_PAYLOAD_LIMIT_BYTES } from './payload-limits.js';
import { newRequestId } from './request-id.js';
import { Sleeper } from './sleeper.js';

export interface FcEmulatorOptions {
  /** What s.yaml deploys (`loadDeployment(...).functions`); codeDir must hold the BUILT code. */
  functions: readonly FunctionDeployment[];
  /** AccessKeys callers may sign with; each instance's STS keys are issued into it too. */
  credentials: CredentialStore;
  accountId: string;
  region: string;
  /** The MNS emulator that async onFailure destinations write to. */
  mns: { endpoint: string };
  calls?: CallLog;
  /** Added to every function's environment (e.g. ECS_ENDPOINT, MNS_ENDPOINT of the emulators). */
  envOverrides?: Record<string, string>;
  /** Multiplies async retry delays and the max event age (default 1); 0.01 makes a 0.5 s backoff 5 ms. */
  timeScale?: number;
  /** Per function (default 10). */
  maxInstancesPerFunction?: number;
  /**
   * How a custom-runtime function (`custom*` with customRuntimeConfig) runs: `server` (default, FC's way) starts
   * its command as a child process and posts invocations to it over HTTP; `handler` loads its `handler` in a
   * worker thread instead, as a built-in runtime would (faster to start; the same bundle has both entries).
   */
  customRuntime?: 'server' | 'handler';
  /** Failure records go to MNS as JSON text (default) or base64 of it; see failure-record.ts. */
  destinationBodyEncoding?: RecordBodyEncoding;
  /** Which documented variant of the failure record to send (default: epoch-ms timestamp, FC 3.0 ARN). */
  destinationRecordForm?: Partial<FailureRecordForm>;
  /** Every line a function writes, and the emulator's notes about async retries and destinations. */
  log?: (line: FunctionLogLine) => void;
  /** 0 (default): any free port on 127.0.0.1. */
  port?: number;
}

export interface FcEmulator {
  /** `http://127.0.0.1:PORT`: the endpoint of `@alicloud/fc20230330` (with protocol http) and of fc2. */
  readonly url: string;
  readonly accountId: string;
  /**
   * Invokes a function in-process, the same way an HTTP call does (minus authentication): sync runs it and
   * answers; async queues it and answers 202. Rejects with FcApiError `FunctionNotFound` for an unknown name.
   */
  invoke(functionName: string, event: Buffer, options?: { async?: boolean }): Promise<InvocationAnswer>;
  /**
   * UpdateFunction, as `PUT /2023-03-30/functions/{fn}` does it: instances started from now on run with the new
   * configuration; running ones finish and stop. Rejects with FcApiError `FunctionNotFound` for an unknown name.
   */
  updateFunction(functionName: string, change: FunctionUpdate): FunctionDeployment;
  /** Every attempt to run a function, in the order they ended. */
  readonly invocations: readonly InvocationRecord[];
  /** Every async invocation and how it ended. */
  readonly asyncRequests: readonly AsyncRequestRecord[];
  /** Instances started so far (cold starts) per function name. */
  coldStarts(functionName: string): number;
  /** Adds a log listener; returns its removal. */
  onLog(listener: (line: FunctionLogLine) => void): () => void;
  /** Resolves once no async invocation is pending; rejects after `timeoutMs` (default 10 s). */
  settled(timeoutMs?: number): Promise<void>;
  readonly calls: CallLog;
  /** Stops the server, the async queue's timers and every instance. */
  close(): Promise<void>;
}

/** Destination writes are retried after 200 ms, then 400 ms (× timeScale). */
const DESTINATION_RETRY_MS = 200;

/** Starts the local Function Compute emulator on 127.0.0.1. */
export async function startFcEmulator(options: FcEmulatorOptions): Promise<FcEmulator> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError('timeScale must be a positive number');
  const identity = { accountId: options.accountId, region: options.region };
  const calls = options.calls ?? new CallLog();
  const invocations: InvocationRecord[] = [];
  const listeners = new Set<(line: FunctionLogLine) => void>();
  if (options.log) listeners.add(options.log);
  const emit = (line: FunctionLogLine) => {
    for (const listener of listeners) listener(line);
  };

  const runtimes = new Map<string, FunctionRuntime>();
  for (const fn of options.functions) {
    if (runtimes.has(fn.functionName)) throw new Error(`function ${fn.functionName} is deployed twice`);
    runtimes.set(
      fn.functionName,
      new FunctionRuntime({
        fn,
        identity,
        credentials: options.credentials,
        envOverrides: options.envOverrides ?? {},
        maxInstances: options.maxInstancesPerFunction ?? 10,
        customRuntime: options.customRuntime ?? 'server',
        onLog: emit,
        onInvocation: (record) => invocations.push(record),
      }),
    );
  }

  const sleeper = new Sleeper();
  const emulatorLog = (functionName: string, requestId: string, line: string) =>
    emit({ functionName, requestId, stream: 'emulator', line });
  const asyncInvoker = new AsyncInvoker({
    identity,
    timeScale,
    recordForm: { ...DEFAULT_RECORD_FORM, ...options.destinationRecordForm },
    sleeper,
    log: emulatorLog,
    destination: new MnsDestination({
      endpoint: options.mns.endpoint,
      accountId: options.accountId,
      credentials: options.credentials,
      encoding: options.destinationBodyEncoding ?? 'json',
      retryDelayMs: DESTINATION_RETRY_MS * timeScale,
      sleeper,
    }),
  });

  let closed = false;
  const invoke = async (
    functionName: string,
    event: Buffer,
    { async = false, requestId = newRequestId() }: { async?: boolean; requestId?: string } = {},
  ): Promise<InvocationAnswer> => {
    if (closed) throw new FcEmulatorClosedError();
    const runtime = runtimes.get(functionName);
    if (runtime === undefined) {
      throw new FcApiError('FunctionNotFound', `function '${functionName}' does not exist`);
    }
    const limit = payloadLimitBytes(async);
    if (event.length > limit) {
      throw new FcApiError('EntityTooLarge', `payload size exceeds maximum allowed size (${limit} bytes)`);
    }
    if (async) {
      asyncInvoker.enqueue(runtime, event, requestId);
      return queuedAnswer(requestId);
    }
    const result = await runtime.run(event, { requestId, async: false, attempt: 1 });
    return syncAnswer(requestId, result);
  };

  const update = (functionName: string, change: FunctionUpdate): FunctionDeployment => {
    if (closed) throw new FcEmulatorClosedError();
    const runtime = runtimes.get(functionName);
    if (runtime === undefined) {
      throw new FcApiError('FunctionNotFound', `function '${functionName}' does not exist`);
    }
    return runtime.update(change);
  };

  const server = await startHttpServer(
    createFcHandler({
      credentials: options.credentials,
      nonces: new NonceStore(),
      calls,
      invoke,
      update: (functionName, change) => functionAnswer(update(functionName, change)),
      now: Date.now,
    }),
    options.port ?? 0,
    // One byte over FC's limit is still read, so that it is refused as FC refuses it (EntityTooLarge).
    { maxBodyBytes: SYNC_PAYLOAD_LIMIT_BYTES + 1 },
  );

  return {
    url: server.url,
    accountId: options.accountId,
    invoke: (functionName, event, invokeOptions) =>
      invoke(functionName, event, { async: invokeOptions?.async ?? false }),
    updateFunction: update,
    invocations,
    asyncRequests: asyncInvoker.requests,
    coldStarts: (functionName) => runtimes.get(functionName)?.coldStarts ?? 0,
    onLog: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled: (timeoutMs = 10_000) => asyncInvoker.settled(timeoutMs),
    calls,
    close: async () => {
      if (closed) return;
      closed = true;
      asyncInvoker.close();
      sleeper.cancelAll();
      await server.close();
      await Promise.all([...runtimes.values()].map((runtime) => runtime.close()));
    },
  };
}

/** The `Function` FC 3.0 answers UpdateFunction with: the fields the emulator knows. */
function functionAnswer(fn: FunctionDeployment): Record<string, unknown> {
  return {
    functionName: fn.functionName,
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeout: fn.timeoutSeconds,
    instanceConcurrency: fn.instanceConcurrency,
    environmentVariables: fn.environment,
    lastModifiedTime: new Date().toISOString(),
  };
}
