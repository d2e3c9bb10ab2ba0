import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ACCOUNT_ID, INSTANCE_ID, REGION_ID, ROLE_NAME } from '../shared/ecs/ids.js';

/** The emulator seed format of the design (`../shared/design.md`, "Local emulators"). */
export const seedSchema = z
  .object({
    accountId: z.string().regex(ACCOUNT_ID, 'accountId must be digits'),
    roles: z
      .array(
        z
          .object({
            name: z.string().regex(ROLE_NAME, 'role names are 1-64 letters, digits, "." or "-"'),
            trustsEcs: z.boolean().default(true),
          })
          .strict(),
      )
      .default([]),
    instances: z
      .array(
        z
          .object({
            id: z.string().regex(INSTANCE_ID, 'instance ids look like i-bp1…'),
            region: z.string().regex(REGION_ID, 'region ids look like cn-hangzhou'),
            status: z
              .enum(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped', 'Deleted'])
              .default('Running'),
            network: z.enum(['vpc', 'classic']).default('vpc'),
            tags: z.record(z.string(), z.string()).default({}),
            role: z.string().nullable().default(null),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

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
