/**
 * One FC function instance: a worker thread that loads the built code once (the cold start) and runs invocations
 * as FC's Node.js runtime does: `handler(event: Buffer, context)`, async or with a callback. Plain ESM JS, since
 * a worker runs without a TypeScript loader; the messages are typed in `worker-protocol.ts`.
 *
 * Everything the function writes to fd 1/2 (console, process.stdout/stderr, fs.writeSync(1, …) as pino-style
 * synchronous loggers do) is sent to the emulator as `log` messages tagged with the invocation's request id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (port === null) throw new Error('instance-worker.mjs must run in a worker thread');

/** The request id of the invocation whose code is running, through every async continuation it starts. */
const currentRequest = new AsyncLocalStorage();

captureOutput();
const handler = await loadHandler(workerData.codeDir, workerData.handler);
if (handler !== undefined) port.on('message', (message) => void invoke(handler, message));

/** Loads the module and posts `ready` (returning the handler) or `init-error` (returning undefined). */
async function loadHandler(codeDir, handlerSpec) {
  const started = performance.now();
  try {
    const dot = handlerSpec.lastIndexOf('.');
    if (dot <= 0) throw new Error(`handler "${handlerSpec}" is not of the form file.export`);
    const file = handlerSpec.slice(0, dot);
    const exportName = handlerSpec.slice(dot + 1);
    const path = ['.mjs', '.js', '.cjs']
      .map((ext) => join(codeDir, file + ext))
      .find((p) => fs.existsSync(p));
    if (path === undefined) throw new Error(`Cannot find module '${file}' in ${codeDir}`);
    const module = await import(pathToFileURL(path).href);
    const fn = module[exportName] ?? module.default?.[exportName];
    if (typeof fn !== 'function') throw new Error(`Handler '${exportName}' is missing on module '${file}'`);
    port.postMessage({ type: 'ready', initMs: performance.now() - started });
    return fn;
  } catch (error) {
    const info = describeError(error);
    // FC reports a module that cannot load as an initialization failure, naming the original error inside.
    const errorMessage =
      info.errorType === 'Error' ? info.errorMessage : `${info.errorType}: ${info.errorMessage}`;
    port.postMessage({
      type: 'init-error',
      error: { ...info, errorType: 'InitializationError', errorMessage },
    });
    return undefined;
  }
}

async function invoke(fn, message) {
  if (message?.type !== 'invoke') return;
  const { id, context } = message;
  const event = Buffer.from(message.event.buffer, message.event.byteOffset, message.event.byteLength);
  const fullContext = { ...context, logger: createLogger(context.requestId) };
  try {
    const value = await currentRequest.run(context.requestId, () => callHandler(fn, event, fullContext));
    const { body, contentType } = encodeResult(value);
    port.postMessage({ type: 'result', id, ok: true, body, contentType });
  } catch (error) {
    port.postMessage({ type: 'result', id, ok: false, error: describeError(error) });
  }
}

/** `async (event, context)`, or the callback style `(event, context, callback)` FC's Node runtimes also accept. */
function callHandler(fn, event, context) {
  if (fn.length < 3) return fn(event, context);
  return new Promise((resolve, reject) => {
    const returned = fn(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

/** FC's rule: a Buffer as is, an object as JSON, anything else as a string; nothing is an empty body. */
function encodeResult(value) {
  if (value === undefined || value === null) return { body: new Uint8Array(0) };
  if (value instanceof Uint8Array) return { body: value, contentType: 'application/octet-stream' };
  if (typeof value === 'object') {
    return { body: Buffer.from(JSON.stringify(value), 'utf8'), contentType: 'application/json' };
  }
  return { body: Buffer.from(String(value), 'utf8'), contentType: 'text/plain; charset=utf-8' };
}

function describeError(error) {
  if (error instanceof Error) {
    const stackTrace = (error.stack ?? '')
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      // The function's frames; the emulator's own bootstrap is not the function's business.
      .filter((line) => line.startsWith('at ') && !line.includes('instance-worker.mjs'));
    return { errorType: error.name || 'Error', errorMessage: error.message, stackTrace };
  }
  let errorMessage;
  try {
    errorMessage = typeof error === 'string' ? error : JSON.stringify(error);
  } catch {
    errorMessage = String(error);
  }
  return { errorType: 'Error', errorMessage: errorMessage ?? String(error), stackTrace: [] };
}

/** FC's `context.logger`: `<ISO time> <requestId> [LEVEL] message` on stdout. */
function createLogger(requestId) {
  const at =
    (level) =>
    (...args) => {
      process.stdout.write(`${new Date().toISOString()} ${requestId} [${level}] ${format(...args)}\n`);
    };
  return { debug: at('DEBUG'), info: at('INFO'), log: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

function forward(stream, text) {
  if (text.length > 0) port.postMessage({ type: 'log', stream, text, requestId: currentRequest.getStore() });
}

function toText(chunk, encoding) {
  if (typeof chunk === 'string') return chunk;
  const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    typeof encoding === 'string' ? encoding : 'utf8',
  );
}

/**
 * Routes fd 1/2 writes to the emulator. `syncBuiltinESMExports` makes `import { writeSync } from 'node:fs'` in
 * the function's bundle see the patched functions; this worker's `fs` is its own, so nothing outside changes.
 */
function captureOutput() {
  const streams = { stdout: process.stdout, stderr: process.stderr };
  for (const [name, stream] of Object.entries(streams)) {
    stream.write = (chunk, encoding, callback) => {
      forward(name, toText(chunk, encoding));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done);
      return true;
    };
  }
  const streamOf = (fd) => (fd === 1 ? 'stdout' : fd === 2 ? 'stderr' : undefined);
  /** The text of a write(fd, …) call and the byte count it reports, whichever overload was used. */
  const written = (data, rest) => {
    if (typeof data === 'string') {
      const encoding = typeof rest[1] === 'string' ? rest[1] : 'utf8';
      return { text: data, bytes: Buffer.byteLength(data, encoding) };
    }
    const options = typeof rest[0] === 'object' && rest[0] !== null ? rest[0] : {};
    const offset = typeof rest[0] === 'number' ? rest[0] : (options.offset ?? 0);
    const length = typeof rest[1] === 'number' ? rest[1] : (options.length ?? data.byteLength - offset);
    const bytes = new Uint8Array(data.buffer, data.byteOffset + offset, length);
    return { text: toText(bytes), bytes: length };
  };
  const { writeSync, write } = fs;
  fs.writeSync = (fd, data, ...rest) => {
    const stream = streamOf(fd);
    if (stream === undefined) return writeSync(fd, data, ...rest);
    const { text, bytes } = written(data, rest);
    forward(stream, text);
    return bytes;
  };
  fs.write = (fd, data, ...rest) => {
    const stream = streamOf(fd);
    if (stream === undefined) return write(fd, data, ...rest);
    const callback = rest.findLast((arg) => typeof arg === 'function');
    const { text, bytes } = written(data, rest);
    forward(stream, text);
    if (callback) process.nextTick(callback, null, bytes, data);
  };
  syncBuiltinESMExports();
}
