/**
 * The value under `key`, for a key the caller knows is there (it built the map from the same items). Throws
 * rather than casting `map.get(key) as V`, so a broken invariant fails loudly where it breaks instead of
 * travelling on as `undefined`.
 */
export function must<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`no entry for ${String(key)}`);
  return value;
}
