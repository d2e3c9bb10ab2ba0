/** `--endpoint URL`, which points a command's SDK client at an emulator (or any other host) instead of its default. */

export interface Endpoint {
  host: string;
  protocol: 'http' | 'https';
}

/** `http(s)://host[:port]` or `host[:port]` (https), else undefined. */
export function parseEndpoint(value: string): Endpoint | undefined {
  const match = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(value);
  if (match === null) return undefined;
  return { host: match[2] ?? '', protocol: match[1] === 'http' ? 'http' : 'https' };
}

export const ENDPOINT_ALLOWED = 'http(s)://host[:port]';

/** For `Cli.want`: what is wrong with an endpoint value, if anything. */
export const endpointCheck = (value: string): string | undefined =>
  parseEndpoint(value) === undefined
    ? `${JSON.stringify(value)} is not an endpoint (http(s)://host[:port], no path)`
    : undefined;
