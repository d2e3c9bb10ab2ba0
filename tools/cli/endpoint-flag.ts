/** `--endpoint URL`, which points a command's SDK client at an emulator (or any other host) instead of its default. */
import { parseEndpoint, type SdkEndpoint } from '../../shared/config/config.js';
import type { Cli } from '../cli.js';

export type Endpoint = SdkEndpoint;
export { parseEndpoint };

export const ENDPOINT_ALLOWED = 'http(s)://host[:port]';

/** For `Cli.want`: what is wrong with an endpoint value, if anything. */
export const endpointCheck = (value: string): string | undefined =>
  parseEndpoint(value) === undefined
    ? `${JSON.stringify(value)} is not an endpoint (http(s)://host[:port], no path)`
    : undefined;

/** The endpoint `--<flag>` gives, split for an SDK client; undefined without the flag; a usage error if bad. */
export function endpointFlag(cli: Cli, flag: string, value: string | undefined): Endpoint | undefined {
  if (value === undefined) return undefined;
  // `want` has refused a value that does not parse; `??` only tells the type checker so.
  return parseEndpoint(cli.want(flag, value, ENDPOINT_ALLOWED, endpointCheck)) ?? cli.usageError(`--${flag}`);
}
