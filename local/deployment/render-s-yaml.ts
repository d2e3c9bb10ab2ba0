import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import compile from '@serverless-devs/art-template/lib/devs-compile.js';
import { parse } from 'yaml';

export interface RenderOptions {
  /** Environment seen by `${env('…')}`, on top of process.env. */
  env?: Record<string, string>;
  /** What `${config('AccountID')}` returns (the `s` credential's account). */
  accountId: string;
}

type Json = unknown;

/**
 * Renders s.yaml as Serverless Devs 3 does before handing props to a component: the same engine
 * (`@serverless-devs/art-template`'s devs-compile) and the same order as `@serverless-devs/parse-spec` —
 * top-level fields (vars first of all) against the raw vars, then each resource against the rendered vars.
 * Every string is rendered, including those inside values that a `${yaml(file(…))}` pulled in.
 */
export function renderServerlessYaml(path: string, options: RenderOptions): Record<string, Json> {
  const file = resolve(path);
  const document = parse(readFileSync(file, 'utf8')) as Record<string, Json>;
  const base = {
    cwd: dirname(file),
    env: options.env ?? {},
    credential: { AccountID: options.accountId },
    __runtime: 'parse',
  };
  const { resources, ...rest } = document;
  const top = renderDeep(rest, { ...base, vars: document.vars }) as Record<string, Json>;
  const rendered: Record<string, Json> = { ...document, ...top, resources: {} };
  for (const [name, resource] of Object.entries((resources ?? {}) as Record<string, Json>)) {
    (rendered.resources as Record<string, Json>)[name] = renderDeep(resource, { ...base, vars: top.vars });
  }
  return rendered;
}

function renderDeep(value: Json, context: Record<string, unknown>): Json {
  const out = typeof value === 'string' ? compile(value, context, true, false) : value;
  if (Array.isArray(out)) return out.map((item) => renderDeep(item, context));
  if (out !== null && typeof out === 'object') {
    return Object.fromEntries(Object.entries(out).map(([key, item]) => [key, renderDeep(item, context)]));
  }
  return out;
}
