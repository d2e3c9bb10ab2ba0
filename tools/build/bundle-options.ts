/**
 * How an FC function is bundled (`npm run build`, and the bench's naive baseline, which must be bundled the same
 * way to be compared). esbuild, ESM, code-split so that what only failures need loads only on failure.
 */
import { createRequire } from 'node:module';
import type { BuildOptions, Plugin } from 'esbuild';

export interface LeftOut {
  /** What is required: a package (`lodash`), or a module of one as the file `from` names it (`./websocket`). */
  request: string;
  /** The requiring file, for a module: only its `require` of `request` is replaced. */
  from?: RegExp;
  /** Which path needs it, and why FC never takes that path. */
  why: string;
  /** Exports read at load time, for a package (a module's are taken from the module itself at build time). */
  names?: readonly string[];
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
  // always hands pino a stream and never a transport (shared/logging/logger.ts).
  { request: 'sonic-boom', why: 'pino.destination() and the default stdout stream' },
  { request: 'thread-stream', why: 'pino transports' },
  {
    request: 'on-exit-leak-free',
    why: 'pino.destination() and transports',
    names: ['register', 'unregister'],
  },
  { request: 'atomic-sleep', why: 'pino transports' },
];

/** The error a left-out module throws when something does call it after all. */
export const leftOutMessage = (entry: Pick<LeftOut, 'request' | 'why'>) =>
  `${entry.request} is left out of this bundle (${entry.why}; tools/build/bundle-options.ts), ` +
  'but something called it: bundle it again and record the path in docs/cloud-facts.md';

/** The export names of a module as the file `importer` requires it (loaded here, in the build process). */
function exportNames(importer: string, request: string): string[] {
  return Object.keys(createRequire(importer)(request) as object);
}

/**
 * Resolves each left-out module to a stub: a function that throws, naming the module, when called or
 * constructed; it is also the module's `default` and each of its named exports.
 */
export function leaveOut(entries: readonly LeftOut[] = LEFT_OUT): Plugin {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const filter = new RegExp(`^(${entries.map((e) => literal(e.request)).join('|')})$`);
  return {
    name: 'leave-out',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const index = entries.findIndex(
          (e) => e.request === args.path && (e.from === undefined || e.from.test(args.importer)),
        );
        if (index < 0) return undefined;
        const entry = entries[index] as LeftOut;
        const names = entry.from === undefined ? (entry.names ?? []) : exportNames(args.importer, args.path);
        return { path: args.path, namespace: 'left-out', pluginData: { entry, names } };
      });
      build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => {
        const { entry, names } = args.pluginData as { entry: LeftOut; names: string[] };
        return {
          loader: 'js',
          contents: [
            `function leftOut() { throw new Error(${JSON.stringify(leftOutMessage(entry))}); }`,
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
    plugins: [leaveOut()],
    logLevel: 'warning',
    metafile: true,
    write: false,
  };
}
