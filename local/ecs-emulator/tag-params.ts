import { ecsError } from './ecs-errors.js';
import type { Params } from './request-params.js';

/**
 * Tag parameters of RunInstances, TagResources and UntagResources, validated as the API documents: 1–20 tags a
 * call (`Tag.N`, `TagKey.N`, N = 1…20), 1–50 resources (`ResourceId.N`), keys 1–128 characters not starting with
 * `aliyun` or `acs:` and without `http://`/`https://`, values 0–128 characters without them, at most 20 tags on
 * one resource.
 */

export const MAX_TAGS_PER_CALL = 20;
export const MAX_RESOURCE_IDS = 50;
export const MAX_TAGS_PER_RESOURCE = 20;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 128;

export interface TagPair {
  key: string;
  value: string;
}

/** `Name.N` (or `Name.N.Field`) parameters by N, N in numeric order. */
function byIndex(params: Params, pattern: RegExp): Map<number, Map<string, string>> {
  const found = new Map<number, Map<string, string>>();
  for (const [name, value] of params) {
    const match = pattern.exec(name);
    if (!match?.[1]) continue;
    const index = Number(match[1]);
    const fields = found.get(index) ?? new Map<string, string>();
    fields.set(match[2] ?? '', value);
    found.set(index, fields);
  }
  return new Map([...found].sort(([a], [b]) => a - b));
}

/**
 * `Tag.N.Key`/`Tag.N.Value` as pairs (a missing value is ""). `required`: at least one tag (TagResources); else
 * none is fine (RunInstances).
 */
export function readTagPairs(params: Params, required: boolean): TagPair[] {
  const entries = byIndex(params, /^Tag\.(\d+)\.(Key|Value)$/);
  if (entries.size === 0) {
    if (required) throw ecsError('MissingParameter.Tags');
    return [];
  }
  if (entries.size > MAX_TAGS_PER_CALL || [...entries.keys()].some((n) => n < 1 || n > MAX_TAGS_PER_CALL)) {
    throw ecsError('NumberExceed.Tags');
  }
  const pairs: TagPair[] = [];
  const seen = new Set<string>();
  for (const fields of entries.values()) {
    const key = fields.get('Key');
    if (key === undefined) throw ecsError('InvalidTagKey.Malformed');
    checkTagKey(key);
    const value = fields.get('Value') ?? '';
    if (tagValueProblem(value) !== undefined) throw ecsError('InvalidTagValue.Malformed');
    if (seen.has(key)) throw ecsError('Duplicate.TagKey');
    seen.add(key);
    pairs.push({ key, value });
  }
  return pairs;
}

/** `TagKey.N` (UntagResources): 0–20 keys, each a valid key. */
export function readTagKeys(params: Params): string[] {
  const entries = byIndex(params, /^TagKey\.(\d+)()$/);
  if (entries.size > MAX_TAGS_PER_CALL || [...entries.keys()].some((n) => n < 1 || n > MAX_TAGS_PER_CALL)) {
    throw ecsError('NumberExceed.Tags');
  }
  const keys = [...entries.values()].map((fields) => fields.get('') ?? '');
  for (const key of keys) checkTagKey(key);
  return [...new Set(keys)];
}

/** `ResourceId.N`: 1–50 ids, duplicates collapsed. */
export function readResourceIds(params: Params): string[] {
  const entries = byIndex(params, /^ResourceId\.(\d+)()$/);
  if (entries.size === 0) throw ecsError('MissingParameter.ResourceIds');
  if (entries.size > MAX_RESOURCE_IDS || [...entries.keys()].some((n) => n < 1 || n > MAX_RESOURCE_IDS)) {
    throw ecsError('NumberExceed.ResourceIds');
  }
  return [...new Set([...entries.values()].map((fields) => fields.get('') ?? ''))];
}

function checkTagKey(key: string): void {
  if (tagKeyProblem(key) !== undefined) throw ecsError('InvalidTagKey.Malformed');
}

/** What is wrong with a tag key by ECS's rules (cloud-facts ECS-29, ECS-30), or `undefined`. */
export function tagKeyProblem(key: string): string | undefined {
  const lower = key.toLowerCase();
  if (key === '') return 'a tag key cannot be empty';
  if (key.length > MAX_KEY_LENGTH)
    return `a tag key has at most ${MAX_KEY_LENGTH} characters (this one ${key.length})`;
  // Any casing: whether ECS ignores case here is not documented (cloud-facts ECS-30).
  if (lower.startsWith('aliyun') || lower.startsWith('acs:'))
    return 'a tag key cannot start with "aliyun" or "acs:" (reserved for Alibaba Cloud)';
  if (hasUrl(key)) return 'a tag key cannot contain "http://" or "https://"';
  return undefined;
}

/** What is wrong with a tag value by ECS's rules (cloud-facts ECS-29), or `undefined`. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length > MAX_VALUE_LENGTH)
    return `a tag value has at most ${MAX_VALUE_LENGTH} characters (this one ${value.length})`;
  if (hasUrl(value)) return 'a tag value cannot contain "http://" or "https://"';
  return undefined;
}

function hasUrl(text: string): boolean {
  const lower = text.toLowerCase();
  return lower.includes('http://') || lower.includes('https://');
}
