import { readFile } from 'node:fs/promises';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ACCOUNT_ID, INSTANCE_ID, REGION_ID, ROLE_NAME } from '../shared/ecs/ids.js';

// zod/mini loads no locale; the seed errors below quote zod's English messages.
z.config(en());

/** The emulator seed format of the design (`../shared/design.md`, "Local emulators"). */
export const seedSchema = z.strictObject({
  accountId: z.string().check(z.regex(ACCOUNT_ID, 'accountId must be digits')),
  roles: z._default(
    z.array(
      z.strictObject({
        name: z.string().check(z.regex(ROLE_NAME, 'role names are 1-64 letters, digits, "." or "-"')),
        trustsEcs: z._default(z.boolean(), true),
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

export function parseSeed(input: unknown, source = 'seed'): Seed {
  const result = seedSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid emulator seed:\n  ${issues.join('\n  ')}`);
  }
  return result.data;
}

export async function readSeed(path: string): Promise<Seed> {
  return parseSeed(JSON.parse(await readFile(path, 'utf8')), path);
}
