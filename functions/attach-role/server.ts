import { loadServerConfig } from '../../shared/config/server-config.js';
import { type EventHandler, startEventServer } from '../../shared/fc/event-server.js';

/**
 * FC 3.0 custom-runtime entry (`customRuntimeConfig`: node server.mjs): an HTTP server on FC's port that runs
 * every event invocation of this instance through the one handler `index.mjs` builds at its cold start, so that
 * invocations running at once share it (instanceConcurrency; cloud-facts CO-2, CR-1 … CR-6).
 */
const config = loadServerConfig(process.env);
// The built handler beside this file, loaded as it is (not bundled in again): its top-level cold start runs once.
const entry: unknown = await import(new URL('./index.mjs', import.meta.url).href);
const handler = (entry as { handler?: unknown }).handler;
if (typeof handler !== 'function') throw new Error('index.mjs exports no handler');

await startEventServer(handler as EventHandler, config, {
  defaults: {
    ...(config.timeoutSeconds === undefined ? {} : { timeoutSeconds: config.timeoutSeconds }),
    ...(process.env.FC_FUNCTION_NAME ? { functionName: process.env.FC_FUNCTION_NAME } : {}),
    ...(process.env.FC_REGION ? { region: process.env.FC_REGION } : {}),
    ...(process.env.FC_ACCOUNT_ID ? { accountId: process.env.FC_ACCOUNT_ID } : {}),
  },
});
