import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { readTrustPolicy } from '../../../../../shared/ram/trust-policy.js';
import { readDeploymentNames } from '../../../../../tools/cli/iam/deployment-names.js';
import { type IamDocuments, iamDocuments, roleArn } from '../../../../../tools/cli/iam/ram-documents.js';
import { loadPolicyFile } from '../../../../../tools/cli/policy-file.js';

const ACCOUNT = '1234567890123456';

/** A RAM policy document (cloud-facts IAM-1), strictly: nothing RAM would not take. */
const ramPolicy = z.strictObject({
  Version: z.literal('1'),
  Statement: z
    .array(
      z.strictObject({
        Effect: z.enum(['Allow', 'Deny']),
        Action: z.array(z.string().check(z.regex(/^[a-z]+:[A-Za-z*]+$/))).check(z.minLength(1)),
        Resource: z
          .array(z.string().check(z.regex(/^(\*|acs:[a-z]+:[a-z0-9-]*:\d*:.+)$/)))
          .check(z.minLength(1)),
      }),
    )
    .check(z.minLength(1)),
});

function expectValid(documents: IamDocuments, allowedRoles: readonly string[]): void {
  for (const fn of [documents.attachFunction, documents.alertFunction]) {
    // What is printed is what RAM is given: check the JSON text, not the object.
    const permissions = JSON.parse(JSON.stringify(fn.permissions));
    expect(ramPolicy.safeParse(permissions).success, JSON.stringify(permissions)).toBe(true);
    const trust = readTrustPolicy(JSON.stringify(fn.trust));
    expect(trust.ok && trust.trust('fc.aliyuncs.com')).toEqual({ trusted: true, conditional: false });
    expect(trust.ok && trust.trust('ecs.aliyuncs.com').trusted).toBe(false);
  }
  const statements = documents.attachFunction.permissions.Statement;
  const passRole = statements.filter((s) => s.Action.some((a) => a.startsWith('ram:')));
  expect(passRole.map((s) => s.Action)).toEqual([['ram:PassRole']]);
  expect(new Set(passRole[0]?.Resource)).toEqual(new Set(allowedRoles.map((r) => roleArn(ACCOUNT, r))));
  const alertActions = documents.alertFunction.permissions.Statement.flatMap((s) => s.Action);
  expect(alertActions.every((a) => a.startsWith('mns:'))).toBe(true);
  expect(alertActions.filter((a) => a.startsWith('mns:Publish'))).toEqual([]);
}

describe('iam documents are valid RAM policy JSON naming exactly the allowed roles', () => {
  it('for the repository’s policy.yaml and s.yaml, with the roles s.yaml gives each function', () => {
    const { policy } = loadPolicyFile('policy.yaml');
    const names = readDeploymentNames('s.yaml', { accountId: ACCOUNT });
    expect([names.attach.roleName, names.alert.roleName]).toEqual([
      'ram-role-attacher',
      'ram-role-attacher-alert',
    ]);
    const documents = iamDocuments({
      accountId: ACCOUNT,
      allowedRoles: policy.allowedRoles,
      ...names,
    });
    expectValid(documents, policy.allowedRoles);
    expect(documents.attachFunction.roleName).toBe('ram-role-attacher');
  });

  it('for any set of allowed roles', () => {
    const roleName = fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/);
    fc.assert(
      fc.property(fc.uniqueArray(roleName, { minLength: 1, maxLength: 20 }), (allowedRoles) => {
        const documents = iamDocuments({
          accountId: ACCOUNT,
          region: 'cn-shanghai',
          allowedRoles,
          attach: {
            functionName: 'f',
            failureTargets: [{ kind: 'topic', region: 'cn-shanghai', name: 't' }],
          },
          alert: { functionName: 'a', queue: { kind: 'queue', region: 'cn-shanghai', name: 'q' } },
        });
        expectValid(documents, allowedRoles);
      }),
      { numRuns: 200 },
    );
  });
});
