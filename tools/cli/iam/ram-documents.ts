/**
 * The least-privilege RAM documents for the two functions, as plain data (`{"Version":"1","Statement":[…]}`).
 * Pure: names come in (from policy.yaml and s.yaml), documents come out. Each function gets its own role:
 *
 * - attach-role reads and changes instance roles, and may pass exactly the roles the policy allows;
 * - dead-letter-alert holds the webhook secrets and talks to the internet, so it gets only its queue and its
 *   lease queue: no `ram:PassRole`, no ECS, nothing it could be talked into misusing.
 */

export interface RamStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface RamPolicyDocument {
  Version: '1';
  Statement: RamStatement[];
}

export interface TrustPolicyDocument {
  Version: '1';
  Statement: [
    {
      Effect: 'Allow';
      Action: 'sts:AssumeRole';
      /** A service (a function's role) or RAM identities (a member role trusting the function's role). */
      Principal: { Service: string[] } | { RAM: string[] };
    },
  ];
}

/** Where failures go: an MNS topic (with alerting) or a queue (without). */
export interface MnsTarget {
  kind: 'topic' | 'queue';
  region: string;
  name: string;
}

export interface IamInputs {
  accountId: string;
  /** The functions' region. */
  region: string;
  allowedRoles: readonly string[];
  attach: {
    functionName: string;
    /** The role s.yaml gives the function (ATTACH_FUNCTION_ROLE_ARN), for the reader: the documents go on it. */
    roleName?: string;
    /** DEAD_LETTER_TOPIC / DEAD_LETTER_QUEUE and the async `onFailure` destination. */
    failureTargets: readonly MnsTarget[];
    /** The queue holding the sweep's lease (SWEEP_LEASE_QUEUE), if any. */
    leaseQueue?: MnsTarget;
  };
  /** The queue the alert function drains, and the queue holding its lease (ALERT_LEASE_QUEUE), if any. */
  alert: { functionName: string; roleName?: string; queue: MnsTarget; leaseQueue?: MnsTarget };
  /** Many accounts: the member accounts (the policy's `accounts:` but the central one) and their role's name. */
  members?: { accountIds: readonly string[]; roleName: string };
}

/** The role the attach function assumes in one member account (cloud-facts AC-6). */
export interface MemberRoleDocuments {
  accountId: string;
  roleName: string;
  /** Trusts only the central attach function's role. */
  trust: TrustPolicyDocument;
  /** The four ECS actions and ram:PassRole on that account's allowed roles. */
  permissions: RamPolicyDocument;
}

export interface FunctionDocuments {
  functionName: string;
  /** The role to create with `trust` and attach `permissions` to (s.yaml's `role`), when s.yaml names one. */
  roleName?: string;
  permissions: RamPolicyDocument;
  trust: TrustPolicyDocument;
}

export interface IamDocuments {
  attachFunction: FunctionDocuments;
  alertFunction: FunctionDocuments;
  /** One per member account, when the policy lists accounts. */
  memberRoles?: MemberRoleDocuments[];
}

/** The four ECS operations the function calls (cloud-facts IAM-3). */
export const ECS_ACTIONS = [
  'ecs:DescribeInstances',
  'ecs:DescribeInstanceRamRole',
  'ecs:AttachInstanceRamRole',
  'ecs:DetachInstanceRamRole',
] as const;

export const ALERT_QUEUE_ACTIONS = [
  'mns:ReceiveMessage',
  'mns:DeleteMessage',
  'mns:ChangeMessageVisibility',
] as const;

/**
 * A lease (shared/mns/queue-lease.ts; the alert drain's and the sweep's): taken, held, handed over and freed like
 * a queue message, and renewed (sent again) before MNS's retention drops it.
 */
export const LEASE_ACTIONS = [...ALERT_QUEUE_ACTIONS, 'mns:SendMessage'] as const;
export const ALERT_LEASE_ACTIONS = LEASE_ACTIONS;

/** `acs:ram::<uid>:role/<name>`, the form RAM itself returns, the name as the policy spells it (IAM-2). */
export const roleArn = (accountId: string, role: string): string => `acs:ram::${accountId}:role/${role}`;

/**
 * An MNS topic or queue and its messages: message operations are documented on `…/<name>/messages`; both forms
 * are listed since only the queue's is confirmed (cloud-facts IAM-4), and both name the one resource.
 */
export function mnsArns(accountId: string, target: MnsTarget): string[] {
  const base = `acs:mns:${target.region}:${accountId}:/${target.kind === 'topic' ? 'topics' : 'queues'}/${target.name}`;
  return [base, `${base}/messages`];
}

/** FC 3.0: `acs:fc:<region>:<uid>:functions/<name>` (cloud-facts IAM-5). */
export const functionArn = (region: string, accountId: string, name: string): string =>
  `acs:fc:${region}:${accountId}:functions/${name}`;

/** Lets Function Compute assume the role for the function (cloud-facts IAM-6). */
export const fcTrustPolicy = (): TrustPolicyDocument => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }],
});

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

export function iamDocuments(inputs: IamInputs): IamDocuments {
  const { accountId, region, attach, alert } = inputs;
  const publish = attach.failureTargets.filter((t) => t.kind === 'topic');
  const send = attach.failureTargets.filter((t) => t.kind === 'queue');
  const statements: RamStatement[] = [
    // Instances are created all the time and ECS answers DescribeInstances it may not run with an empty list,
    // not an error: scoping these to instance ARNs would fail silently (cloud-facts IAM-3).
    { Effect: 'Allow', Action: [...ECS_ACTIONS], Resource: ['*'] },
    // The boundary that matters: the function can attach no role but these.
    {
      Effect: 'Allow',
      Action: ['ram:PassRole'],
      Resource: unique(inputs.allowedRoles.map((role) => roleArn(accountId, role))),
    },
  ];
  if (publish.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['mns:PublishMessage'],
      Resource: unique(publish.flatMap((t) => mnsArns(accountId, t))),
    });
  }
  if (send.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['mns:SendMessage'],
      Resource: unique(send.flatMap((t) => mnsArns(accountId, t))),
    });
  }
  const members = inputs.members;
  if (members !== undefined && members.accountIds.length > 0) {
    // The only cross-account power the function has: its member role in each listed account.
    statements.push({
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      // The function asks for the name in lower case (AC-7); whether RAM matches case-insensitively is open (IAM-2).
      Resource: unique(
        members.accountIds.flatMap((id) => [
          roleArn(id, members.roleName),
          roleArn(id, members.roleName.toLowerCase()),
        ]),
      ),
    });
  }
  // One sweep at a time: its lease queue.
  if (attach.leaseQueue !== undefined) {
    statements.push({
      Effect: 'Allow',
      Action: [...LEASE_ACTIONS],
      Resource: mnsArns(accountId, attach.leaseQueue),
    });
  }
  // A sweep larger than one invocation continues itself asynchronously.
  statements.push({
    Effect: 'Allow',
    Action: ['fc:InvokeFunction'],
    Resource: [functionArn(region, accountId, attach.functionName)],
  });
  const functionRole = roleArn(accountId, attach.roleName ?? 'ram-role-attacher');
  const memberRoles = members?.accountIds.map(
    (id): MemberRoleDocuments => ({
      accountId: id,
      roleName: members.roleName,
      trust: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [functionRole] } }],
      },
      permissions: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: [...ECS_ACTIONS], Resource: ['*'] },
          {
            Effect: 'Allow',
            Action: ['ram:PassRole'],
            Resource: unique(inputs.allowedRoles.map((role) => roleArn(id, role))),
          },
        ],
      },
    }),
  );
  return {
    ...(memberRoles === undefined || memberRoles.length === 0 ? {} : { memberRoles }),
    attachFunction: {
      functionName: attach.functionName,
      ...(attach.roleName === undefined ? {} : { roleName: attach.roleName }),
      permissions: { Version: '1', Statement: statements },
      trust: fcTrustPolicy(),
    },
    alertFunction: {
      functionName: alert.functionName,
      ...(alert.roleName === undefined ? {} : { roleName: alert.roleName }),
      permissions: {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: [...ALERT_QUEUE_ACTIONS],
            Resource: mnsArns(accountId, alert.queue),
          },
          ...(alert.leaseQueue === undefined
            ? []
            : [
                {
                  Effect: 'Allow' as const,
                  Action: [...ALERT_LEASE_ACTIONS],
                  Resource: mnsArns(accountId, alert.leaseQueue),
                },
              ]),
        ],
      },
      trust: fcTrustPolicy(),
    },
  };
}
