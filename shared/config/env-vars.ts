/**
 * Reading environment variables the way both functions do: empty means unset, every bad variable is reported at
 * once, each as `NAME: "value" is not <what is allowed>` in the project's words (never zod's), and a credential's
 * value is never quoted.
 */
import * as z from 'zod/mini';
import { AppError } from '../errors/app-error.js';

/** A configuration value is missing or invalid: the function cannot start. `problems` has one line per mistake. */
export class ConfigError extends AppError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], cause?: unknown) {
    super('InvalidConfig', `invalid configuration: ${problems.join('; ')}`, {
      errorClass: 'permanent',
      cause,
    });
    this.problems = problems;
  }
}

// Every schema below carries the allowed form as its message, so no zod locale is needed (or loaded).

/**
 * A number written as `pattern` allows, within the range `inRange` allows, as a number. The range is checked on
 * the text in one refinement rather than by piping into a number schema: half the zod schemas per variable, and
 * building the config's schemas is most of what loading the config costs at cold start.
 */
const numberText = (pattern: RegExp, allowed: string, inRange: (n: number) => boolean) =>
  z.pipe(
    z.string({ error: allowed }).check(
      z.regex(pattern, allowed),
      z.refine((text) => inRange(Number(text)), allowed),
    ),
    z.transform(Number),
  );

/** A whole number within `[min, max]`, written in decimal digits (no sign, exponent or fraction). */
export const wholeNumber = (min: number, max: number) =>
  numberText(/^\d{1,15}$/, `a whole number from ${min} to ${max}`, (n) => n >= min && n <= max);

/** A number above 0 and at most `max`, in decimal (`0.5`, `20`; no sign or exponent). */
export const positiveNumber = (max: number) =>
  numberText(/^\d{1,15}(?:\.\d{1,6})?$/, `a number above 0 and at most ${max}`, (n) => n > 0 && n <= max);

/** One of `values`, exactly. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')}` });

/** Text matching `pattern`; `allowed` says what that is, in words. */
export const matching = (pattern: RegExp, allowed: string) =>
  z.string({ error: allowed }).check(z.regex(pattern, allowed));

/** The variables of `names` that are set, trimmed; empty or blank counts as unset (s.yaml leaves unused ones empty). */
export function setVariables(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) set[name] = value;
  }
  return set;
}

export interface EnvReading<T> {
  /** The parsed values; undefined when any variable is invalid. */
  values: T | undefined;
  /** The variables that were set (trimmed), for cross-field checks. */
  set: Record<string, string>;
  problems: string[];
}

/**
 * Parses the variables `schema` declares out of `env`, one problem per bad variable. `credentials` names the
 * variables whose values must not appear in messages (they end up in logs).
 */
export function readEnv<S extends z.ZodMiniObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
  credentials: ReadonlySet<string> = new Set(),
): EnvReading<z.infer<S>> {
  const set = setVariables(env, Object.keys(schema.shape));
  // Parsed once per cold start: zod's generated fast path would cost more to compile than it saves.
  const parsed = schema.safeParse(set, { jitless: true });
  if (parsed.success) return { values: parsed.data, set, problems: [] };
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '(environment)');
    if (seen.has(name)) continue; // "-1.5" fails twice; once is enough
    seen.add(name);
    const value = set[name];
    problems.push(
      value === undefined
        ? `${name} is required`
        : credentials.has(name)
          ? `${name}: the value set is not ${issue.message} (not shown: it is a credential)`
          : `${name}: ${JSON.stringify(value)} is not ${issue.message}`,
    );
  }
  return { values: undefined, set, problems };
}

/**
 * `low` must not exceed `high`: the problem naming both and their values, or nothing. Either may be a default
 * (then it is said so), so a lone `BACKOFF_BASE_MS=10000` is caught against the default cap.
 */
export function orderProblem(
  low: { name: string; value: number; set: boolean },
  high: { name: string; value: number; set: boolean },
): string[] {
  if (low.value <= high.value) return [];
  const shown = (v: { value: number; set: boolean }) => (v.set ? `${v.value}` : `${v.value}, its default`);
  return [`${low.name} (${shown(low)}) must not exceed ${high.name} (${shown(high)})`];
}
