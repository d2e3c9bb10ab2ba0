import type { Params } from './request-params.js';

/**
 * ActionTrail's `requestParameters`: the API parameters as the caller sent them, flattened (`Tag.1.Key`,
 * `ResourceId.2`), without the protocol's own parameters — never the signature or the STS token. The samples
 * type some values (`"Amount": 3`, `"All": false`, `"DryRun": true`); the emulator types the few parameters of
 * its actions that are numbers or booleans and leaves everything else a string.
 */

/** RPC protocol parameters (legacy signature); ACS3 carries them in headers, so they never reach here. */
const PROTOCOL_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'SecurityToken',
  'BearerToken',
]);

const INTEGER_PARAMS = new Set(['Amount', 'MinAmount', 'PageNumber', 'PageSize', 'MaxResults']);
const BOOLEAN_PARAMS = new Set(['All', 'Force', 'ForceStop', 'DryRun', 'TerminateSubscription']);

export function trailParameters(params: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (PROTOCOL_PARAMS.has(key)) continue;
    if (INTEGER_PARAMS.has(key) && /^\d{1,9}$/.test(value)) out[key] = Number(value);
    else if (BOOLEAN_PARAMS.has(key) && (value === 'true' || value === 'false')) out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}
