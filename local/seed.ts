import { readFile } from 'node:fs/promises';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ACCOUNT_ID, INSTANCE_ID, REGION_ID, ROLE_NAME } from '../shared/ecs/ids.js';
import { AppError } from '../shared/errors/app-error.js';
import { ECS_SERVICE, readTrustPolicy } from '../shared/ram/trust-policy.js';
import { fileProblem, someIssues } from '../tools/cli.js';
import { MAX_TAGS_PER_RESOURCE, tagKeyProblem, tagValueProblem } from './ecs-emulator/tag-params.js';

// zod/mini loads no locale; the seed and scenario errors quote zod's English messages. zod keeps this setting
// in a process-wide global, so it is set here, once, for the local tools' processes only: the functions' schemas
// (shared/) carry their own messages and never rely on it, so the bundles carry no locale.
z.config(en());

/** The emulator seed format of the design (`../shared/design.md`, "Local emulators"). */
export const seedSchema = z.strictObject({
  accountId: z.string().check(z.regex(ACCOUNT_ID, 'accountId must be digits')),
  roles: z._default(
    z.array(
      z.strictObject({
        name: z.string().check(z.regex(ROLE_NAME, 'role names are 1-64 letters, digits, "." or "-"')),
        // Without a trust policy: one that names ecs.aliyuncs.com (true, the default) or only the account.
        trustsEcs: z.optional(z.boolean()),
        // GetRole's AssumeRolePolicyDocument, as JSON text or an object; ECS's answer to Attach follows from it.
        trustPolicy: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
        description: z.optional(z.string()),
      }),
    ),
    [],
  ),
  instances: z._default(
    z.array(
      z.strictObject({
        id: z.string().check(z.regex(INSTANCE_ID, 'instance ids look like i-bp1…')),
        region: z.string().check(z.regex(REGION_ID, 'region ids look like cn-hangzhou')),
        status: z._default(
          z.enum(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped', 'Deleted']),
          'Running',
        ),
        network: z._default(z.enum(['vpc', 'classic']), 'vpc'),
        tags: z._default(z.record(z.string(), z.string()), {}),
        role: z._default(z.nullable(z.string()), null),
      }),
    ),
    [],
  ),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedInstance = Seed['instances'][number];
export type SeedRole = Seed['roles'][number];

/** A seed that cannot be used: every problem, each naming its field (`instances.2.tags`). */
export class SeedError extends AppError {
  readonly source: string;
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[], cause?: unknown) {
    super('InvalidSeed', `${source} is not a valid emulator seed: ${someIssues(issues)}`, {
      errorClass: 'permanent',
      cause,
    });
    this.source = source;
    this.issues = issues;
  }
}

/** ECS's limits on an instance's tags (cloud-facts ECS-29 … ECS-31), each problem naming the tag. */
function tagProblems(instances: readonly SeedInstance[]): string[] {
  return instances.flatMap((instance, i) => {
    const field = `instances.${i}.tags`;
    const entries = Object.entries(instance.tags);
    const problems = entries.flatMap(([key, value]) => {
      const wrong = tagKeyProblem(key) ?? tagValueProblem(value);
      return wrong === undefined ? [] : [`${field}.${JSON.stringify(key)}: ${wrong}`];
    });
    if (entries.length > MAX_TAGS_PER_RESOURCE)
      problems.push(`${field}: ${entries.length} tags, but an instance has at most ${MAX_TAGS_PER_RESOURCE}`);
    return problems;
  });
}

/** A trust policy must be one RAM would store (it refuses malformed ones), and agree with `trustsEcs` if both. */
function roleProblems(roles: readonly SeedRole[]): string[] {
  return roles.flatMap((role, i) => {
    if (role.trustPolicy === undefined) return [];
    const text = typeof role.trustPolicy === 'string' ? role.trustPolicy : JSON.stringify(role.trustPolicy);
    const reading = readTrustPolicy(text);
    if (!reading.ok) return [`roles.${i}.trustPolicy: ${reading.problem}`];
    if (role.trustsEcs === undefined) return [];
    const trusted = reading.trust(ECS_SERVICE).trusted;
    return trusted === role.trustsEcs
      ? []
      : [
          `roles.${i}: trustsEcs is ${role.trustsEcs} but its trustPolicy ${trusted ? 'lets' : 'does not let'} ${ECS_SERVICE} assume it`,
        ];
  });
}

export function parseSeed(input: unknown, source = 'seed'): Seed {
  const result = seedSchema.safeParse(input);
  if (!result.success) {
    throw new SeedError(
      source,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const problems = [...roleProblems(result.data.roles), ...tagProblems(result.data.instances)];
  if (problems.length > 0) throw new SeedError(source, problems);
  return result.data;
}

/** Reads a seed file (JSON); `name` is how messages call it (the path as the user gave it). */
export async function readSeed(path: string, name = path): Promise<Seed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${name}: ${fileProblem(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SeedError(name, [`not JSON: ${error instanceof Error ? error.message : String(error)}`], error);
  }
  return parseSeed(json, name);
}
