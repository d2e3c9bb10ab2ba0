/**
 * The variables of attach-role's custom-runtime entry (`functions/attach-role/server.ts`): where its HTTP server
 * listens and what it assumes when FC leaves a header out. Read once, at the process's start; the handler's own
 * variables are `config.ts`'s.
 */
import * as z from 'zod/mini';
import { ConfigError, matching, readEnv, wholeNumber } from './env-vars.js';

/** FC's default custom-runtime port, when neither variable says another (cloud-facts CR-2). */
export const DEFAULT_SERVER_PORT = 9000;

const port = wholeNumber(1, 65_535);

const serverEnv = z.object({
  // Set by FC: the function's listening port (customRuntimeConfig.port); FC_SERVER_PORT is the older name.
  FC_CUSTOM_LISTEN_PORT: z.optional(port),
  FC_SERVER_PORT: z.optional(port),
  // FC requires 0.0.0.0 (CR-2); the local FC emulator sets 127.0.0.1.
  LISTEN_HOST: z._default(
    matching(/^[0-9A-Za-z.:-]{1,253}$/, 'an IP address or host name such as 0.0.0.0'),
    '0.0.0.0',
  ),
  // The function's timeout for invocations whose request lacks x-fc-function-timeout (CR-4): s.yaml sets it to
  // the function's `timeout`.
  FUNCTION_TIMEOUT_SECONDS: z.optional(wholeNumber(1, 86_400)),
});

export interface ServerConfig {
  host: string;
  port: number;
  timeoutSeconds?: number;
}

/** Throws ConfigError naming every bad variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const { values, problems } = readEnv(serverEnv, env);
  if (values === undefined) throw new ConfigError(problems);
  return {
    host: values.LISTEN_HOST,
    port: values.FC_CUSTOM_LISTEN_PORT ?? values.FC_SERVER_PORT ?? DEFAULT_SERVER_PORT,
    ...(values.FUNCTION_TIMEOUT_SECONDS === undefined
      ? {}
      : { timeoutSeconds: values.FUNCTION_TIMEOUT_SECONDS }),
  };
}
