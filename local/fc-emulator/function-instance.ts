import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LineSplitter } from './log-lines.js';
import type {
  ErrorInfo,
  FromWorker,
  InvocationContextData,
  LogStream,
  ToWorker,
  WorkerBoot,
} from './worker-protocol.js';

/** What one invocation on an instance came to. */
export type RunResult =
  | { outcome: 'ok'; body: Buffer; contentType?: string }
  | { outcome: 'error' | 'timeout'; error: ErrorInfo };

export interface InstanceLogLine {
  stream: LogStream;
  requestId?: string;
  line: string;
}

export interface FunctionInstanceOptions {
  instanceId: string;
  codeDir: string;
  handler: string;
  memorySize: number;
  /** The instance's whole `process.env`. */
  env: Record<string, string>;
  /** How long loading the module may take before the instance is given up. */
  initTimeoutMs: number;
  onLog(line: InstanceLogLine): void;
}

/**
 * `starting` while the module loads; `ready` to run invocations; `failed` when the module could not load (every
 * invocation then fails with the init error, as on FC); `dead` once the worker is gone (stopped after a
 * timeout, crashed, exited or closed): the pool drops it and starts a fresh instance for the next call.
 */
export type InstanceState = 'starting' | 'ready' | 'failed' | 'dead';

const WORKER_FILE = new URL('./instance-worker.mjs', import.meta.url);

/** One FC instance: a worker thread with its own environment that loaded the function's code once. */
export class FunctionInstance {
  readonly id: string;
  /** Settles (never rejects) once loading ended, whichever way. */
  readonly started: Promise<void>;
  #state: InstanceState = 'starting';
  #initError: ErrorInfo | undefined;
  #lastUncaught: ErrorInfo | undefined;
  #initMs: number | undefined;
  readonly #worker: Worker;
  readonly #pending = new Map<number, (result: RunResult) => void>();
  readonly #lines = new LineSplitter();
  readonly #onLog: (line: InstanceLogLine) => void;
  #nextId = 1;
  #markStarted: () => void = () => {};

  constructor(options: FunctionInstanceOptions) {
    this.id = options.instanceId;
    this.#onLog = options.onLog;
    this.started = new Promise<void>((resolve) => {
      this.#markStarted = resolve;
    });
    const workerData: WorkerBoot = { codeDir: options.codeDir, handler: options.handler };
    this.#worker = new Worker(WORKER_FILE, {
      workerData,
      env: options.env,
      // A clean runtime: not the test runner's or tsx's loader flags.
      execArgv: [],
      stdout: true,
      stderr: true,
      // FC's memory limit, roughly: the heap may not outgrow the function's memorySize.
      resourceLimits: { maxOldGenerationSizeMb: options.memorySize },
      name: `fc-instance ${options.instanceId}`,
    });
    this.#worker.on('message', (message: FromWorker) => this.#onMessage(message));
    this.#worker.on('error', (error: Error) => {
      this.#lastUncaught = {
        errorType: error.name || 'Error',
        errorMessage: error.message,
        stackTrace: stackLines(error),
      };
    });
    this.#worker.on('exit', (code) => this.#onExit(code));
    this.#pipe(this.#worker.stdout, 'stdout');
    this.#pipe(this.#worker.stderr, 'stderr');

    const initTimer = setTimeout(() => {
      if (this.#state !== 'starting') return;
      this.#initError = {
        errorType: 'InitializationError',
        errorMessage: `loading the function's code took longer than ${options.initTimeoutMs} ms`,
        stackTrace: [],
      };
      this.#state = 'failed';
      this.#markStarted();
      void this.#worker.terminate();
    }, options.initTimeoutMs);
    void this.started.then(() => clearTimeout(initTimer));
  }

  get state(): InstanceState {
    return this.#state;
  }

  /** Module load time, once loaded. */
  get initMs(): number | undefined {
    return this.#initMs;
  }

  /**
   * Runs one invocation. After `timeoutMs` the worker is terminated (the function is stopped mid-flight, as FC
   * stops it) and the invocation is a timeout; the instance is dead from then on.
   */
  async run(event: Buffer, context: InvocationContextData, timeoutMs: number): Promise<RunResult> {
    await this.started;
    if (this.#state === 'failed' && this.#initError) return { outcome: 'error', error: this.#initError };
    if (this.#state !== 'ready') return { outcome: 'error', error: this.#goneError() };
    const id = this.#nextId++;
    const requestId = context.requestId;
    return new Promise<RunResult>((resolve) => {
      const timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs) / 1000;
        this.#settle(id, {
          outcome: 'timeout',
          error: {
            errorType: 'FunctionTimeoutError',
            errorMessage: `Function timed out after ${seconds} seconds`,
            stackTrace: [],
          },
        });
        void this.stop();
      }, timeoutMs);
      this.#pending.set(id, (result) => {
        clearTimeout(timer);
        this.#flushLine(`stdout\0${requestId}`);
        this.#flushLine(`stderr\0${requestId}`);
        resolve(result);
      });
      const message: ToWorker = { type: 'invoke', id, event, context };
      this.#worker.postMessage(message);
    });
  }

  /** Terminates the worker; invocations still running on it fail. */
  async stop(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'dead';
    this.#failPending();
    await this.#worker.terminate();
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        if (this.#state === 'starting') this.#state = 'ready';
        this.#initMs = message.initMs;
        this.#markStarted();
        return;
      case 'init-error':
        this.#initError = message.error;
        this.#state = 'failed';
        this.#markStarted();
        void this.#worker.terminate();
        return;
      case 'log':
        this.#log(message.stream, message.text, message.requestId);
        return;
      case 'result':
        this.#settle(
          message.id,
          message.ok
            ? {
                outcome: 'ok',
                body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
                ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
              }
            : { outcome: 'error', error: message.error },
        );
        return;
    }
  }

  #onExit(code: number): void {
    if (this.#state === 'starting') {
      this.#initError = this.#lastUncaught
        ? { ...this.#lastUncaught, errorType: 'InitializationError' }
        : { errorType: 'InitializationError', errorMessage: `exited with code ${code}`, stackTrace: [] };
      this.#state = 'failed';
    } else if (this.#state === 'ready') {
      this.#state = 'dead';
    }
    this.#markStarted();
    this.#failPending(code);
    for (const [key, rest] of this.#lines.flushAll()) this.#emit(key, rest);
  }

  #failPending(exitCode?: number): void {
    const error = this.#goneError(exitCode);
    for (const id of [...this.#pending.keys()]) this.#settle(id, { outcome: 'error', error });
  }

  /** Why an invocation ended without an answer: an uncaught error in the worker, or the worker exiting. */
  #goneError(exitCode?: number): ErrorInfo {
    if (this.#lastUncaught) return this.#lastUncaught;
    return {
      errorType: 'ProcessExitedError',
      errorMessage:
        exitCode === undefined
          ? 'the function instance was stopped'
          : `the function instance exited unexpectedly with code ${exitCode}`,
      stackTrace: [],
    };
  }

  #settle(id: number, result: RunResult): void {
    const done = this.#pending.get(id);
    if (done === undefined) return;
    this.#pending.delete(id);
    done(result);
  }

  #log(stream: LogStream, text: string, requestId: string | undefined): void {
    const key = `${stream}\0${requestId ?? ''}`;
    for (const line of this.#lines.push(key, text)) this.#emit(key, line);
  }

  #flushLine(key: string): void {
    const rest = this.#lines.flush(key);
    if (rest !== undefined) this.#emit(key, rest);
  }

  #emit(key: string, line: string): void {
    const [stream, requestId] = key.split('\0') as [LogStream, string];
    this.#onLog({ stream, line, ...(requestId === '' ? {} : { requestId }) });
  }

  /** Output that bypassed the worker's patched writers (none is expected) still reaches the log. */
  #pipe(source: Readable, stream: LogStream): void {
    source.setEncoding('utf8');
    source.on('data', (text: string) => this.#log(stream, text, undefined));
  }
}

function stackLines(error: Error): string[] {
  return (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
}
