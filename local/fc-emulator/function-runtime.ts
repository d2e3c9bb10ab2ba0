import type { CredentialStore, StsKey } from '../credential-store.js';
import type { FunctionDeployment } from '../deployment/deployment.js';
import { FcApiError } from './fc-errors.js';
import { FunctionInstance, type InstanceLogLine, type RunResult } from './function-instance.js';
import { InstancePool } from './instance-pool.js';
import { newInstanceId } from './request-id.js';
import { instanceEnv, invocationContext, type RuntimeIdentity } from './runtime-env.js';
import { ServerInstance } from './server-instance.js';
import type { InvocationContextData } from './worker-protocol.js';

/** One attempt to run a function: every sync call, and every try of an async one. */
export interface InvocationRecord {
  requestId: string;
  function: string;
  async: boolean;
  /** 1 for the first try; retries of an async invocation count up. */
  attempt: number;
  instanceId: string;
  /** This attempt started its instance (the module was loaded first). */
  coldStart: boolean;
  /** When an instance was available to it (ms since epoch). */
  startedAt: number;
  /** Until the answer, including a cold start. */
  durationMs: number;
  outcome: 'ok' | 'error' | 'timeout';
  errorType?: string;
  errorMessage?: string;
}

/** A line the function wrote (stdout/stderr) or the emulator wrote about it. */
export interface FunctionLogLine {
  functionName: string;
  requestId?: string;
  stream: 'stdout' | 'stderr' | 'emulator';
  line: string;
}

export interface FunctionRuntimeOptions {
  fn: FunctionDeployment;
  identity: RuntimeIdentity;
  credentials: CredentialStore;
  envOverrides: Readonly<Record<string, string>>;
  maxInstances: number;
  /**
   * How a custom-runtime function runs: `server` (FC's way) starts its customRuntimeConfig command and posts each
   * invocation to it over HTTP; `handler` loads its `handler` in a worker as a built-in runtime would.
   */
  customRuntime: 'server' | 'handler';
  onLog(line: FunctionLogLine): void;
  onInvocation(record: InvocationRecord): void;
}

/** One FC instance, whichever way it runs the code. */
export interface RuntimeInstance {
  readonly id: string;
  readonly state: 'starting' | 'ready' | 'failed' | 'dead';
  run(event: Buffer, context: InvocationContextData, timeoutMs: number): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Loading the code may take this long at least, whatever the function's timeout (the real bundle takes ~0.3 s). */
const MIN_INIT_TIMEOUT_MS = 10_000;

/** What UpdateFunction may change here: the fields of `UpdateFunctionInput` the emulator runs with. */
export interface FunctionUpdate {
  environmentVariables?: Record<string, string>;
  timeout?: number;
  memorySize?: number;
}

/** A deployed function: its instance pool and how one invocation runs on it. */
export class FunctionRuntime {
  #fn: FunctionDeployment;
  readonly #options: FunctionRuntimeOptions;
  readonly #pool: InstancePool<RuntimeInstance>;
  /** Each instance's STS keys (the function role's), issued when it starts. */
  readonly #keys = new WeakMap<RuntimeInstance, StsKey>();

  constructor(options: FunctionRuntimeOptions) {
    this.#fn = options.fn;
    this.#options = options;
    const reserved = options.fn.reservedConcurrency;
    if (reserved !== undefined && reserved < 1) {
      throw new RangeError(
        `function ${options.fn.functionName}: reservedConcurrency ${reserved} blocks every invocation, which the emulator does not run`,
      );
    }
    this.#pool = new InstancePool({
      maxInstances: Math.min(options.maxInstances, reserved ?? Number.POSITIVE_INFINITY),
      perInstance: Math.max(1, options.fn.instanceConcurrency),
      create: () => this.#startInstance(),
    });
  }

  /** The function as deployed now (UpdateFunction changes it). */
  get fn(): FunctionDeployment {
    return this.#fn;
  }

  /**
   * UpdateFunction: the new configuration applies to instances started from now on; the running ones finish
   * their invocations and stop (cloud-facts SC-1), so the next invocation cold-starts with it. The function
   * reads its configuration and policy only at cold start, so without this an update would never reach it.
   * `environmentVariables` replaces the whole map, as FC's does (SC-2).
   */
  update(change: FunctionUpdate): FunctionDeployment {
    this.#fn = {
      ...this.#fn,
      ...(change.environmentVariables === undefined
        ? {}
        : { environment: { ...change.environmentVariables } }),
      ...(change.timeout === undefined ? {} : { timeoutSeconds: change.timeout }),
      ...(change.memorySize === undefined ? {} : { memorySize: change.memorySize }),
    };
    this.#pool.retireAll();
    return this.#fn;
  }

  /** Instances started so far (each a cold start). */
  get coldStarts(): number {
    return this.#pool.started;
  }

  /**
   * Runs one attempt and records it. An async attempt waits for a free instance; a sync one over the function's
   * declared `reservedConcurrency` is refused at once with FcApiError `ResourceExhausted` (429), as FC refuses it
   * (cloud-facts FC-18). Otherwise rejects only when the emulator closes first.
   */
  async run(event: Buffer, meta: { requestId: string; async: boolean; attempt: number }): Promise<RunResult> {
    const lease =
      meta.async || this.fn.reservedConcurrency === undefined
        ? await this.#pool.acquire()
        : this.#throttled();
    const startedAt = Date.now();
    try {
      const { instance } = lease;
      const keys = this.#keys.get(instance);
      if (keys === undefined) throw new Error(`instance ${instance.id} has no keys`);
      const context = invocationContext(this.fn, this.#options.identity, keys, meta.requestId);
      const result = await instance.run(event, context, this.fn.timeoutSeconds * 1000);
      this.#options.onInvocation({
        requestId: meta.requestId,
        function: this.fn.functionName,
        async: meta.async,
        attempt: meta.attempt,
        instanceId: instance.id,
        coldStart: lease.coldStart,
        startedAt,
        durationMs: Date.now() - startedAt,
        outcome: result.outcome,
        ...(result.outcome === 'ok'
          ? {}
          : { errorType: result.error.errorType, errorMessage: result.error.errorMessage }),
      });
      return result;
    } finally {
      lease.release();
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** A free slot for a sync call under a declared limit, or FC's throttling error. */
  #throttled() {
    const lease = this.#pool.tryAcquire();
    if (lease !== undefined) return lease;
    throw new FcApiError(
      'ResourceExhausted',
      `function '${this.fn.functionName}' is running its reserved concurrency of ${this.fn.reservedConcurrency}: the invocation was throttled`,
    );
  }

  #startInstance(): RuntimeInstance {
    const instanceId = newInstanceId();
    const fn = this.#fn;
    // FC hands the instance its role's keys: STS checks a member role's trust against this role (AC-6).
    const keys = this.#options.credentials.issueSts(fn.role === undefined ? {} : { principalArn: fn.role });
    const { identity, envOverrides, onLog } = this.#options;
    const common = {
      instanceId,
      codeDir: fn.codeDir,
      memorySize: fn.memorySize,
      env: instanceEnv(fn, identity, instanceId, keys, envOverrides),
      initTimeoutMs: Math.max(MIN_INIT_TIMEOUT_MS, fn.timeoutSeconds * 1000),
      onLog: (line: InstanceLogLine) => onLog({ functionName: fn.functionName, ...line }),
    };
    const custom = fn.runtime.startsWith('custom') ? fn.customRuntime : undefined;
    const instance: RuntimeInstance =
      custom !== undefined && this.#options.customRuntime === 'server'
        ? new ServerInstance({ ...common, command: custom.command, args: custom.args })
        : new FunctionInstance({ ...common, handler: fn.handler });
    this.#keys.set(instance, keys);
    return instance;
  }
}
