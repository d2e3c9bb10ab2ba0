import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Readable } from 'node:stream';
import type { InstanceLogLine, RunResult } from './function-instance.js';
import { LineSplitter } from './log-lines.js';
import type { ErrorInfo, InvocationContextData, LogStream } from './worker-protocol.js';

export interface ServerInstanceOptions {
  instanceId: string;
  codeDir: string;
  /** customRuntimeConfig's command and args (cloud-facts CR-1). */
  command: readonly string[];
  args: readonly string[];
  memorySize: number;
  /** The instance's whole environment; the emulator adds the port and address to listen on. */
  env: Record<string, string>;
  /** How long the server may take to accept connections (FC: 120 s, CR-2). */
  initTimeoutMs: number;
  onLog(line: InstanceLogLine): void;
}

type State = 'starting' | 'ready' | 'failed' | 'dead';

/** How often a starting server's port is tried, as FC pings it until it accepts. */
const PING_INTERVAL_MS = 25;

/** A free port on 127.0.0.1 (the instance's own: several run side by side here, unlike on FC). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * FC's preinstalled interpreters are at their paths on FC (`/var/fc/lang/nodejs20/bin/node`, CR-1), not here: a
 * `node` command runs this machine's Node.js instead.
 */
function executable(command: string): string {
  return /(^|\/)node$/.test(command) ? process.execPath : command;
}

/** FC's common request headers of one event invocation (CR-4). */
function invocationHeaders(context: InvocationContextData): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'x-fc-request-id': context.requestId,
    'x-fc-access-key-id': context.credentials.accessKeyId,
    'x-fc-access-key-secret': context.credentials.accessKeySecret,
    'x-fc-security-token': context.credentials.securityToken,
    'x-fc-function-name': context.function.name,
    'x-fc-function-handler': context.function.handler,
    'x-fc-function-memory': String(context.function.memory),
    'x-fc-function-timeout': String(context.function.timeout),
    'x-fc-region': context.region,
    'x-fc-account-id': context.accountId,
    'x-fc-qualifier': context.service.qualifier,
    'x-fc-version-id': context.service.versionId,
    'x-fc-control-path': '/invoke',
  };
}

/** The error FC reports for a failed invocation, from the server's body (the built-in shape, or any text). */
function errorOf(body: Buffer): ErrorInfo {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as Partial<ErrorInfo>;
    if (typeof parsed.errorMessage === 'string') {
      return {
        errorType: typeof parsed.errorType === 'string' ? parsed.errorType : 'Error',
        errorMessage: parsed.errorMessage,
        stackTrace: Array.isArray(parsed.stackTrace) ? parsed.stackTrace.map(String) : [],
      };
    }
  } catch {
    // not JSON: the text is the message
  }
  return { errorType: 'Error', errorMessage: text, stackTrace: [] };
}

/** The request id a server's log line names: FC's start/end markers, or a JSON log record's `requestId`. */
function requestIdOf(line: string): string | undefined {
  const marker = /^FC Invoke (?:Start|End) RequestId: (\S+)/.exec(line);
  if (marker) return marker[1];
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as { requestId?: unknown };
    return typeof record.requestId === 'string' ? record.requestId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One FC instance of a custom-runtime function: the command of its customRuntimeConfig, started as a child
 * process in the code directory, to which each invocation is posted over HTTP as FC posts it (`POST /invoke`
 * with FC's common headers; CR-3, CR-4), as many at once as the pool lets through (instanceConcurrency).
 * `x-fc-status` other than 200 is a failed invocation (CR-5). Past the timeout the process is killed.
 */
export class ServerInstance {
  readonly id: string;
  readonly started: Promise<void>;
  #state: State = 'starting';
  #initError: ErrorInfo | undefined;
  #initMs: number | undefined;
  #port = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  readonly #agent = new Agent({ keepAlive: true });
  readonly #lines = new LineSplitter();
  /** The last lines on stderr, for an init failure's message (FC shows a failed start's logs too). */
  readonly #lastErr: string[] = [];
  readonly #inFlight = new Set<(result: RunResult) => void>();
  readonly #options: ServerInstanceOptions;

  constructor(options: ServerInstanceOptions) {
    this.id = options.instanceId;
    this.#options = options;
    this.started = this.#start();
  }

  get state(): State {
    return this.#state;
  }

  get initMs(): number | undefined {
    return this.#initMs;
  }

  async #start(): Promise<void> {
    const begun = performance.now();
    const { command, args, codeDir, env, memorySize, initTimeoutMs } = this.#options;
    const [program, ...leading] = command;
    if (program === undefined) {
      this.#fail('customRuntimeConfig has no command');
      return;
    }
    this.#port = await freePort();
    const child = spawn(executable(program), [...leading, ...args], {
      cwd: codeDir,
      env: {
        ...env,
        // Here each instance has a port of its own (FC gives each instance its own host, on the configured port).
        FC_CUSTOM_LISTEN_PORT: String(this.#port),
        LISTEN_HOST: '127.0.0.1',
        // FC's memory limit, roughly.
        NODE_OPTIONS: `--max-old-space-size=${memorySize}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let exitCode: number | null | undefined;
    child.once('exit', (code) => {
      exitCode = code;
      this.#onExit(code);
    });
    child.once('error', (error) => this.#fail(`cannot start ${program}: ${error.message}`));
    this.#pipe(child.stdout, 'stdout');
    this.#pipe(child.stderr, 'stderr');

    const deadline = performance.now() + initTimeoutMs;
    while (this.#state === 'starting') {
      if (await accepts(this.#port)) {
        this.#state = 'ready';
        this.#initMs = performance.now() - begun;
        return;
      }
      if (exitCode !== undefined) return;
      if (performance.now() > deadline) {
        this.#fail(`the server did not listen on its port within ${initTimeoutMs} ms`);
        child.kill('SIGKILL');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
    }
  }

  #fail(message: string): void {
    if (this.#state !== 'starting') return;
    const logs = this.#lastErr.length > 0 ? `: ${this.#lastErr.join(' | ')}` : '';
    this.#initError = { errorType: 'InitializationError', errorMessage: `${message}${logs}`, stackTrace: [] };
    this.#state = 'failed';
  }

  #onExit(code: number | null): void {
    for (const [key, rest] of this.#lines.flushAll()) this.#emit(key.split('\0')[0] as LogStream, rest);
    if (this.#state === 'starting') this.#fail(`the server exited with code ${code} before listening`);
    else if (this.#state === 'ready') this.#state = 'dead';
    const error: ErrorInfo = {
      errorType: 'ProcessExitedError',
      errorMessage: `the function instance exited unexpectedly with code ${code}`,
      stackTrace: [],
    };
    for (const settle of [...this.#inFlight]) settle({ outcome: 'error', error });
  }

  async run(event: Buffer, context: InvocationContextData, timeoutMs: number): Promise<RunResult> {
    await this.started;
    if (this.#state === 'failed' && this.#initError) return { outcome: 'error', error: this.#initError };
    if (this.#state !== 'ready') {
      return {
        outcome: 'error',
        error: {
          errorType: 'ProcessExitedError',
          errorMessage: 'the function instance was stopped',
          stackTrace: [],
        },
      };
    }
    return new Promise<RunResult>((resolve) => {
      let done = false;
      const settle = (result: RunResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#inFlight.delete(settle);
        resolve(result);
      };
      this.#inFlight.add(settle);
      const timer = setTimeout(() => {
        settle({
          outcome: 'timeout',
          error: {
            errorType: 'FunctionTimeoutError',
            errorMessage: `Function timed out after ${Math.round(timeoutMs) / 1000} seconds`,
            stackTrace: [],
          },
        });
        void this.stop();
      }, timeoutMs);
      const call = request(
        {
          host: '127.0.0.1',
          port: this.#port,
          method: 'POST',
          path: '/invoke',
          agent: this.#agent,
          headers: { ...invocationHeaders(context), 'content-length': String(event.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const body = Buffer.concat(chunks);
            const status = response.headers['x-fc-status'];
            // No x-fc-status: FC takes the invocation as successful (CR-5).
            if (status !== undefined && status !== '200') {
              settle({ outcome: 'error', error: errorOf(body) });
              return;
            }
            const contentType = response.headers['content-type'];
            settle({ outcome: 'ok', body, ...(contentType === undefined ? {} : { contentType }) });
          });
          response.on('error', (error) =>
            settle({
              outcome: 'error',
              error: { errorType: 'Error', errorMessage: error.message, stackTrace: [] },
            }),
          );
        },
      );
      call.on('error', (error) =>
        settle({
          outcome: 'error',
          error: { errorType: 'ProcessExitedError', errorMessage: error.message, stackTrace: [] },
        }),
      );
      call.end(event);
    });
  }

  async stop(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'dead';
    this.#agent.destroy();
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await this.#exited;
    }
  }

  #pipe(source: Readable | null, stream: LogStream): void {
    if (source === null) return;
    source.setEncoding('utf8');
    source.on('data', (text: string) => {
      for (const line of this.#lines.push(`${stream}\0`, text)) this.#emit(stream, line);
    });
  }

  #emit(stream: LogStream, line: string): void {
    if (stream === 'stderr') {
      this.#lastErr.push(line);
      if (this.#lastErr.length > 5) this.#lastErr.shift();
    }
    const requestId = requestIdOf(line);
    this.#options.onLog({ stream, line, ...(requestId === undefined ? {} : { requestId }) });
  }
}
