import { describe, expect, it } from 'vitest';
import {
  ALERT_QUEUE_ACTIONS,
  ECS_ACTIONS,
  type IamInputs,
  iamDocuments,
  type RamPolicyDocument,
} from '../../../../../tools/cli/iam/ram-documents.js';

const ACCOUNT = '1234567890123456';

const inputs = (overrides: Partial<IamInputs> = {}): IamInputs => ({
  accountId: ACCOUNT,
  region: 'cn-hangzhou',
  allowedRoles: ['EcsAppRole', 'EcsPaymentsRole'],
  attach: {
    functionName: 'ecs-ram-role-attacher',
    failureTargets: [{ kind: 'topic', region: 'cn-hangzhou', name: 'ram-role-attacher-failures' }],
  },
  alert: {
    functionName: 'ram-role-attacher-alert',
    queue: { kind: 'queue', region: 'cn-hangzhou', name: 'ram-role-attacher-alerts' },
  },
  ...overrides,
});

const statementFor = (document: RamPolicyDocument, action: string) =>
  document.Statement.filter((s) => s.Action.includes(action));

describe('iamDocuments', () => {
  it("gives each member account a role trusting only the attach function's role, with ECS and PassRole there", () => {
    const M = '2000000000000001';
    const documents = iamDocuments(
      inputs({
        attach: { ...inputs().attach, roleName: 'ram-role-attacher' },
        members: { accountIds: [M], roleName: 'ram-role-attacher-member' },
      }),
    );
    expect(documents.memberRoles).toEqual([
      {
        accountId: M,
        roleName: 'ram-role-attacher-member',
        trust: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { RAM: [`acs:ram::${ACCOUNT}:role/ram-role-attacher`] },
            },
          ],
        },
        permissions: {
          Version: '1',
          Statement: [
            { Effect: 'Allow', Action: [...ECS_ACTIONS], Resource: ['*'] },
            {
              Effect: 'Allow',
              Action: ['ram:PassRole'],
              Resource: [`acs:ram::${M}:role/EcsAppRole`, `acs:ram::${M}:role/EcsPaymentsRole`],
            },
          ],
        },
      },
    ]);
    expect(statementFor(documents.attachFunction.permissions, 'sts:AssumeRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: [`acs:ram::${M}:role/ram-role-attacher-member`],
      },
    ]);
    expect(iamDocuments(inputs()).memberRoles).toBeUndefined();
  });

  it('gives the attach function the four ECS actions, PassRole on exactly the allowed roles, the topic and itself', () => {
    const { attachFunction } = iamDocuments(inputs());
    expect(attachFunction.functionName).toBe('ecs-ram-role-attacher');
    expect(attachFunction.permissions).toEqual({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: [...ECS_ACTIONS], Resource: ['*'] },
        {
          Effect: 'Allow',
          Action: ['ram:PassRole'],
          Resource: [`acs:ram::${ACCOUNT}:role/EcsAppRole`, `acs:ram::${ACCOUNT}:role/EcsPaymentsRole`],
        },
        {
          Effect: 'Allow',
          Action: ['mns:PublishMessage'],
          Resource: [
            `acs:mns:cn-hangzhou:${ACCOUNT}:/topics/ram-role-attacher-failures`,
            `acs:mns:cn-hangzhou:${ACCOUNT}:/topics/ram-role-attacher-failures/messages`,
          ],
        },
        {
          Effect: 'Allow',
          Action: ['fc:InvokeFunction'],
          Resource: [`acs:fc:cn-hangzhou:${ACCOUNT}:functions/ecs-ram-role-attacher`],
        },
      ],
    });
  });

  it('gives the alert function its queue and nothing else: no ram:, no ecs:, no fc:', () => {
    const { alertFunction } = iamDocuments(inputs());
    expect(alertFunction.permissions).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: [...ALERT_QUEUE_ACTIONS],
          Resource: [
            `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-alerts`,
            `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-alerts/messages`,
          ],
        },
      ],
    });
  });

  it('adds its lease queue, with the one more action the lease needs (putting a lost lease back)', () => {
    const base = inputs();
    const { alertFunction } = iamDocuments({
      ...base,
      alert: {
        ...base.alert,
        leaseQueue: { kind: 'queue', region: 'cn-hangzhou', name: 'ram-role-attacher-alerts-lease' },
      },
    });
    expect(alertFunction.permissions.Statement[1]).toEqual({
      Effect: 'Allow',
      Action: [...ALERT_QUEUE_ACTIONS, 'mns:SendMessage'],
      Resource: [
        `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-alerts-lease`,
        `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-alerts-lease/messages`,
      ],
    });
    expect(alertFunction.permissions.Statement).toHaveLength(2);
  });

  it('gives the attach function its sweep lease queue, with the lease actions, and nothing more of MNS', () => {
    const lease = { kind: 'queue' as const, region: 'cn-hangzhou', name: 'ram-role-attacher-sweep-lease' };
    const base = inputs();
    const { attachFunction } = iamDocuments({ ...base, attach: { ...base.attach, leaseQueue: lease } });
    const statements = statementFor(attachFunction.permissions, 'mns:ReceiveMessage');
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: [...ALERT_QUEUE_ACTIONS, 'mns:SendMessage'],
        Resource: [
          `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-sweep-lease`,
          `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/ram-role-attacher-sweep-lease/messages`,
        ],
      },
    ]);
    expect(statementFor(attachFunction.permissions, 'fc:InvokeFunction')[0]?.Resource).toEqual([
      `acs:fc:cn-hangzhou:${ACCOUNT}:functions/ecs-ram-role-attacher`,
    ]);
  });

  it('lets only Function Compute assume either role', () => {
    const documents = iamDocuments(inputs());
    for (const fn of [documents.attachFunction, documents.alertFunction]) {
      expect(fn.trust).toEqual({
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } },
        ],
      });
    }
  });

  it('sends to a dead-letter queue instead when that is where failures go, and lists each ARN once', () => {
    const { attachFunction } = iamDocuments(
      inputs({
        allowedRoles: ['EcsAppRole'],
        attach: {
          functionName: 'f',
          failureTargets: [
            { kind: 'queue', region: 'cn-hangzhou', name: 'dlq' },
            { kind: 'topic', region: 'cn-shanghai', name: 'failures' },
          ],
        },
      }),
    );
    expect(statementFor(attachFunction.permissions, 'mns:SendMessage')[0]?.Resource).toEqual([
      `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/dlq`,
      `acs:mns:cn-hangzhou:${ACCOUNT}:/queues/dlq/messages`,
    ]);
    expect(statementFor(attachFunction.permissions, 'mns:PublishMessage')[0]?.Resource).toEqual([
      `acs:mns:cn-shanghai:${ACCOUNT}:/topics/failures`,
      `acs:mns:cn-shanghai:${ACCOUNT}:/topics/failures/messages`,
    ]);
  });

  it('keeps the role names exactly as the policy spells them', () => {
    const { attachFunction } = iamDocuments(inputs({ allowedRoles: ['a.b-C', 'Ecs.Role-2'] }));
    expect(statementFor(attachFunction.permissions, 'ram:PassRole')[0]?.Resource).toEqual([
      `acs:ram::${ACCOUNT}:role/a.b-C`,
      `acs:ram::${ACCOUNT}:role/Ecs.Role-2`,
    ]);
  });
});
