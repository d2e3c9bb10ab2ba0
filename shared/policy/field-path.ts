/** How issues name the field they are about: `when.tags.env[1]`, `when.tags['a.b c']`. */
import { truncate } from './display.js';
import { POLICY_LIMITS } from './policy-schema.js';

const PLAIN_KEY = /^[A-Za-z0-9_:/-]+$/;

/** `['when', 'tags', 'env', 1]` → `when.tags.env[1]`; odd keys are bracketed: `when.tags['a.b c']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const key = truncate(String(segment), POLICY_LIMITS.maxTagKeyLength);
      if (PLAIN_KEY.test(key)) text += text === '' ? key : `.${key}`;
      else text += `['${key.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
    }
  }
  return text;
}
