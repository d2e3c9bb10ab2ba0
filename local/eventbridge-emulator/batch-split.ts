/**
 * Cuts a batch into consecutive parts whose JSON array (`[a,b,…]`, as the function receives it) fits
 * `limitBytes`. An event stream pushes a batch as soon as its body reaches the limit of the invocation type it
 * uses (cloud-facts FT-13; FC's "Advanced trigger features": 100 messages of 2 KB pushed asynchronously go as
 * 64 + 36). An event too big on its own still goes alone: FC refuses it, and it is retried and dead-lettered
 * like any failed push.
 */
export function splitBatch<T>(items: readonly T[], bytesOf: (item: T) => number, limitBytes: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let size = 2; // the brackets
  for (const item of items) {
    const bytes = bytesOf(item) + (part.length > 0 ? 1 : 0); // and a comma after the first
    if (part.length > 0 && size + bytes > limitBytes) {
      parts.push(part);
      part = [];
      size = 2;
      size += bytesOf(item);
    } else {
      size += bytes;
    }
    part.push(item);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
