/**
 * How an FC function is bundled (`npm run build`, and the bench's naive baseline, which must be bundled the same
 * way to be compared). esbuild, ESM, code-split so that what only failures need loads only on failure.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { oneStartChunk } from './one-start-chunk.js';

export interface LeftOut {
  /** What is required: a package (`lodash`), or a module of one as the file `from` names it (`./websocket`). */
  request: string;
  /** The requiring file, for a module: only its `require` of `request` is replaced. */
  from?: RegExp;
  /** Which path needs it, and why FC never takes that path. */
  why: string;
  /** Exports read at load time, for a package (a module's are taken from the module itself at build time). */
  names?: readonly string[];
  /**
   * Called at load time, so it cannot throw: the stub does nothing and returns itself (a debug logger whose
   * `enabled` is then never true). Otherwise calling the stub throws.
   */
  inert?: true;
}

/**
 * What the SDKs `require` at load time only for paths FC never takes. Each is replaced by a stub that throws,
 * naming it, if it is ever called. Why the SDKs never take those paths: docs/cloud-facts.md FC-19, FC-20.
 */
export const LEFT_OUT: readonly LeftOut[] = [
  // openapi-core opens a WebSocket (and its proxy agents: `ws`, `http(s)-proxy-agent`, `socks-proxy-agent`)
  // only for a `ws`/`wss` protocol; every client here speaks HTTP(S).
  {
    request: './websocket',
    from: /@darabonba[/\\]typescript[/\\]dist[/\\]index\.js$/,
    why: 'WebSocket client, for protocol ws/wss only',
  },
  {
    request: './websocketUtils',
    from: /@alicloud[/\\]openapi-core[/\\]dist[/\\]client\.js$/,
    why: 'WebSocket message handlers, for protocol ws/wss only',
  },
  // @darabonba/typescript's `merge()` and `Date` (used by its `File`): no client bundled here calls them.
  { request: 'lodash', why: '@darabonba/typescript merge()', names: ['merge'] },
  { request: 'moment', why: '@darabonba/typescript Date and File' },
  // xml2js's Builder, used only by @darabonba/typescript's XML.toXML: the SDKs here only parse XML.
  { request: 'xmlbuilder', why: 'xml2js Builder (XML.toXML)', names: ['create'] },
  // pino 10's own destinations and transports (lib/tools.js `buildSafeSonicBoom`, lib/transport.js): our logger
  // always hands pino a stream (sonic-boom's, made by shared/logging/stdout.ts) and never a transport.
  { request: 'thread-stream', why: 'pino transports' },
  {
    request: 'on-exit-leak-free',
    why: 'pino.destination() and transports',
    names: ['register', 'unregister'],
  },
  // pino's tools.js reads `isMainThread` only in `buildSafeSonicBoom` (pino.destination(), left out above).
  {
    request: './lib/transport',
    from: /[/\\]pino[/\\]pino\.js$/,
    why: 'pino.transport() (worker-thread transports; logs go to stdout)',
  },
  {
    request: './transport',
    from: /[/\\]pino[/\\]lib[/\\]tools\.js$/,
    why: 'pino({ transport }) (worker-thread transports; logs go to stdout)',
  },
  {
    request: './lib/multistream',
    from: /[/\\]pino[/\\]pino\.js$/,
    why: 'pino.multistream() (one stream: stdout)',
  },
  {
    request: 'debug',
    from: /[/\\]httpx[/\\]lib[/\\]index\.js$/,
    why: "httpx's DEBUG=httpx:* request and body tracing, which FC never turns on",
    inert: true,
  },
  {
    request: 'worker_threads',
    from: /[/\\]pino[/\\]lib[/\\]tools\.js$/,
    why: 'pino.destination() (isMainThread)',
  },
];

/** The error a left-out module throws when something does call it after all. */
export const leftOutMessage = (entry: Pick<LeftOut, 'request' | 'why'>) =>
  `${entry.request} is left out of this bundle (${entry.why}; tools/build/bundle-options.ts), ` +
  'but something called it: bundle it again and record the path in docs/cloud-facts.md';

/** The export names of a module as the file `importer` requires it (loaded here, in the build process). */
function exportNames(importer: string, request: string): string[] {
  return Object.keys(createRequire(importer)(request) as object);
}

/** Matches exactly the requests of `entries`. */
function requestFilter(entries: readonly { request: string }[]): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^(${entries.map((e) => literal(e.request)).join('|')})$`);
}

/**
 * Resolves each left-out module to a stub: a function that throws, naming the module, when called or
 * constructed; it is also the module's `default` and each of its named exports.
 */
export function leaveOut(entries: readonly LeftOut[] = LEFT_OUT): Plugin {
  const filter = requestFilter(entries);
  return {
    name: 'leave-out',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const index = entries.findIndex(
          (e) => e.request === args.path && (e.from === undefined || e.from.test(args.importer)),
        );
        if (index < 0) return undefined;
        const entry = entries[index] as LeftOut;
        // An inert stub has no named exports: `debug`'s own `enabled` would then read as a (truthy) function.
        const names =
          entry.inert === true
            ? []
            : entry.from === undefined
              ? (entry.names ?? [])
              : exportNames(args.importer, args.path);
        return { path: args.path, namespace: 'left-out', pluginData: { entry, names } };
      });
      build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => {
        const { entry, names } = args.pluginData as { entry: LeftOut; names: string[] };
        return {
          loader: 'js',
          contents: [
            entry.inert
              ? 'function leftOut() { return leftOut; }'
              : `function leftOut() { throw new Error(${JSON.stringify(leftOutMessage(entry))}); }`,
            'module.exports = leftOut;',
            ...['default', ...names].map(
              (n) =>
                `Object.defineProperty(leftOut, ${JSON.stringify(n)}, { value: leftOut, enumerable: true });`,
            ),
          ].join('\n'),
        };
      });
    },
  };
}

export interface Deferred {
  /** A package the requiring file loads at its top level. */
  request: string;
  /** The requiring files whose `require` of it is deferred (others load it as usual). */
  from: RegExp;
  /** Why the cold start of an FC function does not need it. */
  why: string;
  /**
   * A package (not a Node built-in): bundled on its own into `deferred-<file>.cjs` beside the function, which the
   * stub requires on first use, so the cold start does not even parse it (`deferredBundles`).
   */
  file?: string;
  /**
   * The module is itself a function its requirer calls (`assert(ok, message)`): the stand-in is a function that
   * loads it on its first call, as its exports load it on their first read.
   */
  callable?: true;
}

/** The file a deferred package is bundled to, beside the function's chunks. */
export const deferredFile = (entry: Pick<Deferred, 'file'>) => `deferred-${entry.file}.cjs`;

/**
 * What the SDKs `require` at load time but an FC invocation that succeeds never uses. Each stays in the bundle, but
 * is evaluated on the first read of one of its exports instead of at cold start (docs/cloud-facts.md CS-1–CS-3).
 */
export const DEFERRED: readonly Deferred[] = [
  // openapi-core and gateway-spi build a credential from the SDK only for AccessKey or bearer-token configs; every
  // client here is handed a provider (shared/credentials), which needs the SDK's chain only without FC's keys.
  {
    request: '@alicloud/credentials',
    from: /@alicloud[/\\](openapi-core|gateway-spi)[/\\]dist[/\\][\w/\\]+\.js$|[/\\]shared[/\\]credentials[/\\]credentials\.ts$/,
    why: "the SDK's credential classes, for AccessKey configs and the default chain",
    file: 'credentials',
  },
  // @darabonba/typescript's XML: openapi-core parses XML only for an error response of type text/xml.
  {
    request: 'xml2js',
    from: /@darabonba[/\\]typescript[/\\]dist[/\\]xml\.js$/,
    why: 'XML error responses',
    file: 'xml2js',
  },
  // httpx decompresses a gzip/deflate body, which it asks for only with `compression` (no client here sets it).
  { request: 'zlib', from: /[/\\]httpx[/\\]lib[/\\]index\.js$/, why: 'compressed response bodies' },
  // sonic-boom calls assert only when its stream is closed (`actualClose`), which ours never is (cloud-facts CS-4):
  // loading node:assert (and its error formatting) was about 1.5 ms of each cold start.
  {
    request: 'assert',
    from: /[/\\]sonic-boom[/\\]index\.js$/,
    why: 'checks when the log stream closes',
    callable: true,
  },
];

/**
 * Resolves each deferred `require` to a module whose exports are getters that load the real module on first
 * read: a package from its own file beside the function (`deferredBundles`: not parsed at cold start), a
 * built-in from Node. The export names are taken from the real module at build time.
 */
export function defer(entries: readonly Deferred[] = DEFERRED): Plugin {
  const filter = requestFilter(entries);
  return {
    name: 'defer',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        if (args.pluginData === 'real') return undefined;
        const entry = entries.find((e) => e.request === args.path && e.from.test(args.importer));
        if (entry === undefined) return undefined;
        return {
          path: args.path,
          namespace: 'deferred',
          pluginData: {
            names: exportNames(args.importer, args.path),
            resolveDir: dirname(args.importer),
            target: entry.file === undefined ? args.path : `./${deferredFile(entry)}`,
            callable: entry.callable === true,
          },
        };
      });
      // The file beside the function, at run time: not bundled here.
      build.onResolve({ filter: /^\.\/deferred-[\w-]+\.cjs$/ }, (args) => ({
        path: args.path,
        external: true,
      }));
      build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
        const { names, resolveDir, target, callable } = args.pluginData as {
          names: string[];
          resolveDir: string;
          target: string;
          callable: boolean;
        };
        return {
          loader: 'js',
          resolveDir,
          // `pluginData: 'real'` on the inner require lets it resolve to the package itself.
          pluginData: 'real',
          contents: [
            'let real;',
            // The banner's `require` resolves a relative path against the chunk, which sits beside the file.
            `const load = () => (real ??= require(${JSON.stringify(target)}));`,
            ...(callable
              ? ['const stand = (...args) => load()(...args);', 'module.exports = stand;']
              : ['const stand = exports;', "Object.defineProperty(stand, '__esModule', { value: true });"]),
            ...names
              .filter((n) => n !== '__esModule')
              .map(
                (n) =>
                  `Object.defineProperty(stand, ${JSON.stringify(n)}, { enumerable: true, get: () => load()[${JSON.stringify(n)}] });`,
              ),
          ].join('\n'),
        };
      });
    },
  };
}

/**
 * esbuild options for each deferred package's own file (`deferred-<file>.cjs` in `outdir`): CommonJS, so the stub
 * can load it synchronously with `require`; what it requires is bundled into it (a second copy of what the
 * function also bundles, loaded only on the paths that need the package).
 */
export function deferredBundles(outdir: string, entries: readonly Deferred[] = DEFERRED): BuildOptions[] {
  return entries
    .filter((e) => e.file !== undefined)
    .map((e) => ({
      stdin: {
        contents: `module.exports = require(${JSON.stringify(e.request)});`,
        resolveDir: process.cwd(),
        sourcefile: `deferred-${e.file}.js`,
        loader: 'js' as const,
      },
      outfile: `${outdir}/${deferredFile(e)}`,
      bundle: true,
      platform: 'node' as const,
      target: 'node20',
      format: 'cjs' as const,
      minify: false,
      plugins: [leaveOut()],
      logLevel: 'warning' as const,
    }));
}

// The SDKs require Node built-ins lazily; an ESM bundle needs a real `require` for them (sdk-wire.md §8).
const banner =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * esbuild options for one function: `entry` bundled to `<outdir>/index.mjs`, what it loads with `import()` in
 * chunks beside it (FC loads `index.mjs` from the code directory, and the chunks with it).
 */
export function functionBundle(
  entry: string,
  outdir: string,
): BuildOptions & { metafile: true; write: false } {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Not minified: minified SDK bundles load slower (sdk-wire.md §7).
    minify: false,
    sourcemap: 'linked',
    banner: { js: banner },
    plugins: [leaveOut(), defer(), oneStartChunk()],
    logLevel: 'warning',
    metafile: true,
    write: false,
  };
}

/**
 * esbuild options for a custom-runtime entry: `entry` bundled alone to `<outdir>/server.mjs`. It imports the
 * function's `index.mjs` at run time (a computed specifier, which esbuild leaves alone), so it holds only itself.
 */
export function serverBundle(entry: string, outdir: string): BuildOptions & { write: false } {
  return {
    entryPoints: { server: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: false,
    sourcemap: 'linked',
    // sonic-boom (its stdout, shared/logging/stdout.ts) is CommonJS and requires Node's built-ins.
    banner: { js: banner },
    // The server starts before the function, in the same cold start: it defers what the function defers.
    plugins: [defer()],
    logLevel: 'warning',
    write: false,
  };
}
