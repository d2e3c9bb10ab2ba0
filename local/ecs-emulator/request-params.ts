import type { IncomingMessage } from 'node:http';
import { isInstanceId } from '../../shared/ecs/ids.js';
import { headerMapFromRaw, normalizeHeaders, parseQueryString, type QueryPairs } from '../signature/acs3.js';
import { type EcsErrorCode, ecsError } from './ecs-errors.js';

/** Decoded request parameters by name (a repeated name keeps its last value). */
export type Params = ReadonlyMap<string, string>;

/**
 * Parses an `application/x-www-form-urlencoded` body. Unlike a query string, `+` means a space here (HTML form
 * encoding); the SDK itself writes spaces as `%20`, so both parse the same.
 */
export function parseFormBody(body: string): Array<[string, string]> {
  return parseQueryString(body.replace(/\+/g, '%20'));
}

/** An RPC-style request as every emulated RPC gateway reads it, before authentication. */
export interface RpcRequest {
  method: string;
  path: string;
  rawQuery: string;
  headers: ReturnType<typeof headerMapFromRaw>;
  /** Lower-cased header names. */
  normalized: ReturnType<typeof normalizeHeaders>;
  /** Query pairs, then a form body's (what the signature covers). */
  pairs: QueryPairs;
  params: Params;
  /** From `x-acs-action` / `x-acs-version` (ACS3) or the `Action` / `Version` parameters (legacy signing). */
  action: string;
  version: string;
}

export function parseRpcRequest(req: IncomingMessage, body: Buffer): RpcRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const headers = headerMapFromRaw(req.rawHeaders);
  const normalized = normalizeHeaders(headers);
  const pairs = parseQueryString(rawQuery);
  if ((normalized.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    pairs.push(...parseFormBody(body.toString('utf8')));
  }
  const params = toParams(pairs);
  return {
    method: req.method ?? 'GET',
    path,
    rawQuery,
    headers,
    normalized,
    pairs,
    params,
    action: normalized.get('x-acs-action') ?? params.get('Action') ?? '',
    version: normalized.get('x-acs-version') ?? params.get('Version') ?? '',
  };
}

export function toParams(pairs: QueryPairs): Params {
  return new Map(pairs);
}

/** Params for the call log: everything but the signature and the STS token. */
export function loggableParams(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key !== 'Signature' && key !== 'SecurityToken') out[key] = value;
  }
  return out;
}

export function requireRegionId(params: Params): string {
  const region = params.get('RegionId');
  if (!region) throw ecsError('MissingParameter.RegionId');
  return region;
}

/**
 * `InstanceIds` as a JSON array string (what the SDK sends), or as `InstanceIds.N` (what a caller passing a JS
 * array gets). Undefined when absent. Malformed JSON, non-strings or ids that do not look like instance ids are
 * `InvalidInstanceIds.Malformed`; more than `max` is `tooMany` (`InvalidParameter` unless the action says).
 */
export function readInstanceIds(
  params: Params,
  max = 100,
  tooMany: EcsErrorCode = 'InvalidParameter',
): string[] | undefined {
  const json = params.get('InstanceIds');
  let ids: string[] | undefined;
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw ecsError('InvalidInstanceIds.Malformed');
    }
    if (!Array.isArray(parsed) || !parsed.every((id): id is string => typeof id === 'string')) {
      throw ecsError('InvalidInstanceIds.Malformed');
    }
    ids = parsed;
  } else {
    const indexed = indexedValues(params, 'InstanceIds');
    if (indexed.length > 0) ids = indexed;
  }
  if (ids === undefined) return undefined;
  if (!ids.every(isInstanceId)) throw ecsError('InvalidInstanceIds.Malformed');
  if (ids.length > max) {
    throw ecsError(tooMany, `The specified parameter InstanceIds exceeds the limit of ${max}.`);
  }
  return ids;
}

/** The ids a call names, for fault matching: never throws (a malformed list names nothing). */
export function namedInstanceIds(params: Params): string[] {
  try {
    return readInstanceIds(params, Number.POSITIVE_INFINITY) ?? [];
  } catch {
    return [];
  }
}

/** `Prefix.1`, `Prefix.2`, … in index order. */
export function indexedValues(params: Params, prefix: string): string[] {
  const entries: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const match = new RegExp(`^${prefix}\\.(\\d+)$`).exec(key);
    if (match?.[1]) entries.push([Number(match[1]), value]);
  }
  return entries.sort(([a], [b]) => a - b).map(([, value]) => value);
}

export interface TagFilter {
  key: string;
  /** Undefined: any value of the key matches. */
  value?: string;
}

/** `Tag.N.Key` / `Tag.N.Value` filters (N = 1…20). A value without a key is ignored, as the real API does. */
export function readTagFilters(params: Params): TagFilter[] {
  const byIndex = new Map<number, { key?: string; value?: string }>();
  for (const [name, value] of params) {
    const match = /^Tag\.(\d+)\.(Key|Value)$/.exec(name);
    if (!match?.[1]) continue;
    const index = Number(match[1]);
    const entry = byIndex.get(index) ?? {};
    if (match[2] === 'Key') entry.key = value;
    else entry.value = value;
    byIndex.set(index, entry);
  }
  if ([...byIndex.keys()].some((n) => n < 1 || n > 20)) {
    throw ecsError('InvalidParameter', 'The specified parameter Tag.N is not valid: N must be 1 to 20.');
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, e]) =>
      e.key === undefined || e.key === ''
        ? []
        : [e.value === undefined ? { key: e.key } : { key: e.key, value: e.value }],
    );
}

/** An integer parameter within [min, max], else `InvalidParameter`; `fallback` when absent. */
export function readInt(params: Params, name: string, min: number, max: number, fallback: number): number {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw ecsError('InvalidParameter', `The specified parameter ${name} is not valid.`);
  }
  return value;
}
