/** `--tags k=v` arguments → a tag map, or the one-line problem with the first bad one. */

export type TagArgs = { tags: Record<string, string> } | { problem: string };

const shown = (arg: string): string => JSON.stringify(arg.length > 80 ? `${arg.slice(0, 80)}…` : arg);

/** Splits at the first `=`: the value may contain more of them, or be empty; the key may not. */
export function parseTagArgs(args: readonly string[]): TagArgs {
  const tags: Record<string, string> = Object.create(null);
  for (const arg of args) {
    const at = arg.indexOf('=');
    if (at < 0)
      return { problem: `--tags ${shown(arg)} has no "=" (a tag is key=value; the value may be empty)` };
    const key = arg.slice(0, at);
    if (key === '') return { problem: `--tags ${shown(arg)} has no key before "=" (a tag is key=value)` };
    if (Object.hasOwn(tags, key)) return { problem: `--tags: the tag ${shown(key)} is given twice` };
    tags[key] = arg.slice(at + 1);
  }
  return { tags: { ...tags } };
}
