import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeploymentNames } from '../../../../../tools/cli/iam/deployment-names.js';

const S_YAML = fileURLToPath(new URL('../../../../../s.yaml', import.meta.url));
const ACCOUNT = '1234567890123456';
const dir = mkdtempSync(join(tmpdir(), 'deployment-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readDeploymentNames (s.yaml rendered as s deploy renders it)', () => {
  it("reads the functions' names, the failure topic and the alert queue from s.yaml's defaults", () => {
    const names = readDeploymentNames(S_YAML, {
      accountId: ACCOUNT,
      env: { FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });
    expect(names.region).toBe('cn-hangzhou');
    expect(names.attach.functionName).toMatch(/\S/);
    expect(names.alert.functionName).toMatch(/\S/);
    expect(names.attach.functionName).not.toBe(names.alert.functionName);
    expect(names.attach.failureTargets.map((t) => t.kind)).toContain('topic');
    expect(names.alert.queue).toMatchObject({ kind: 'queue', region: 'cn-hangzhou' });
    expect(names.alert.leaseQueue).toEqual({
      kind: 'queue',
      region: 'cn-hangzhou',
      name: `${names.alert.queue.name}-lease`,
    });
    expect(names.attach.leaseQueue).toEqual({
      kind: 'queue',
      region: 'cn-hangzhou',
      name: 'ram-role-attacher-sweep-lease',
    });
  });

  it('follows the environment, like s deploy: REGION and the names s.yaml reads from it', () => {
    const names = readDeploymentNames(S_YAML, {
      accountId: ACCOUNT,
      env: {
        REGION: 'cn-shanghai',
        DEAD_LETTER_TOPIC: 'my-failures',
        ALERT_QUEUE: 'my-alerts',
        FUNCTION_NAME: 'my-fn',
      },
    });
    expect(names.region).toBe('cn-shanghai');
    expect(names.attach.functionName).toBe('my-fn');
    expect(names.attach.failureTargets).toEqual([
      { kind: 'topic', region: 'cn-shanghai', name: 'my-failures' },
    ]);
    expect(names.alert.queue).toEqual({ kind: 'queue', region: 'cn-shanghai', name: 'my-alerts' });
  });

  it('renders without the role variables set: they do not exist before these documents are used', () => {
    const withoutRoles = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/ROLE_ARN$/.test(key)),
    ) as Record<string, string>;
    expect(() => readDeploymentNames(S_YAML, { accountId: ACCOUNT, env: withoutRoles })).not.toThrow();
  });

  it('takes a dead-letter queue and the onFailure destination into account, each once', () => {
    const file = fileURLToPath(
      new URL('../../../../fixtures/deploy/dead-letter-queue-s.yaml', import.meta.url),
    );
    const names = readDeploymentNames(file, { accountId: ACCOUNT });
    expect(names.attach.failureTargets).toEqual([
      { kind: 'topic', region: 'cn-beijing', name: 'failures' },
      { kind: 'queue', region: 'cn-beijing', name: 'extra-dlq' },
    ]);
    expect(names.alert).toEqual({
      functionName: 'alert',
      queue: { kind: 'queue', region: 'cn-beijing', name: 'alerts' },
    });
  });

  it('says which resource is missing', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, 'edition: 3.0.0\nname: x\nresources: {}\n');
    expect(() => readDeploymentNames(file, { accountId: ACCOUNT })).toThrow(
      `${file} has no resource "attach-role" with props`,
    );
  });
});
