import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { iamDocuments } from '../../../tools/cli/iam/ram-documents.js';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '../../../tools/cli/policy-file.js';
import {
  CENTRAL_TEMPLATE_FILE,
  centralRouteRules,
  MEMBER_TEMPLATE_FILE,
  PUT_EVENTS_POLICY,
  repositoryTemplates,
} from '../../../tools/deploy/member-account-template.js';

const CENTRAL = '1234567890123456';
const MEMBER = '2000000000000001';
const REGION = 'cn-hangzhou';
const member = readFileSync(MEMBER_TEMPLATE_FILE, 'utf8');
const central = readFileSync(CENTRAL_TEMPLATE_FILE, 'utf8');

interface Template {
  ROSTemplateFormatVersion: unknown;
  Parameters: Record<string, { Default?: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/**
 * What ROS makes of the functions these templates use (Ref, Fn::Sub, Fn::Replace, Fn::Split), with the stack's
 * parameters and pseudo parameters: enough to compare a resource with the documents it must equal.
 */
function resolve(value: unknown, vars: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const lookup = (name: string): string => {
    const found = vars[name];
    if (found === undefined) throw new Error(`no value for ${name}`);
    return found;
  };
  if ('Ref' in object) return lookup(String(object.Ref));
  if ('Fn::Sub' in object) return String(object['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, n) => lookup(n));
  if ('Fn::Replace' in object) {
    const [pairs, text] = object['Fn::Replace'] as [Record<string, string>, unknown];
    return Object.entries(pairs).reduce(
      (s, [from, to]) => s.split(from).join(to),
      String(resolve(text, vars)),
    );
  }
  if ('Fn::Split' in object) {
    const [by, text] = object['Fn::Split'] as [string, unknown];
    return String(resolve(text, vars)).split(by);
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v, vars)]));
}

const defaults = (template: Template): Record<string, string> =>
  Object.fromEntries(
    Object.entries(template.Parameters).flatMap(([k, p]) =>
      p.Default === undefined ? [] : [[k, p.Default]],
    ),
  );

describe('deploy/member-account.ros.yaml and deploy/central-event-route.ros.yaml', () => {
  const memberTemplate = parse(member) as Template;
  const centralTemplate = parse(central) as Template;
  const vars: Record<string, string> = {
    ...defaults(memberTemplate),
    CentralAccountId: CENTRAL,
    'ALIYUN::AccountId': MEMBER,
    'ALIYUN::Region': REGION,
  };

  it('are what the generator makes from s.yaml and policy.yaml now (regenerate: npx tsx tools/deploy/member-account-template.ts)', () => {
    const generated = repositoryTemplates();
    expect(member).toBe(generated.member);
    expect(central).toBe(generated.central);
    expect(memberTemplate.ROSTemplateFormatVersion).toBe('2015-09-01');
    expect(centralTemplate.ROSTemplateFormatVersion).toBe('2015-09-01');
  });

  it('routes exactly the patterns of the central triggers (and of the buffered shape’s rules), one rule each', () => {
    const rules = Object.values(memberTemplate.Resources).filter(
      (r) => r.Type === 'ALIYUN::EventBridge::Rule',
    );
    const direct = loadDeployment({ accountId: CENTRAL, env: { DEPLOY_SHAPE: 'direct' } });
    const triggers = direct.functions.flatMap((f) => f.triggers).filter((t) => t.kind === 'default-bus');
    expect(triggers.length).toBeGreaterThan(0);
    expect(rules.map((r) => [r.Properties.RuleName, r.Properties.FilterPattern])).toEqual(
      triggers.map((t) => [`ram-role-attacher-${t.name}`, t.pattern]),
    );
    expect(centralRouteRules().map((r) => r.pattern)).toEqual(triggers.map((t) => t.pattern));
    const buffered = loadDeployment({ accountId: CENTRAL, env: { DEPLOY_SHAPE: 'buffered' } });
    expect(rules.map((r) => r.Properties.FilterPattern)).toEqual(buffered.queueRules.map((q) => q.pattern));
  });

  it('sends every match, whole, from the member’s default bus to the central bus through the route role', () => {
    for (const rule of Object.values(memberTemplate.Resources)) {
      if (rule.Type !== 'ALIYUN::EventBridge::Rule') continue;
      const props = resolve(rule.Properties, vars) as {
        EventBusName: string;
        Targets: { Type: string; Endpoint: string; ParamList: unknown[] }[];
      };
      expect(props.EventBusName).toBe('default');
      expect(props.Targets).toEqual([
        {
          Id: 'central-bus',
          Type: 'acs.eventbridge',
          Endpoint: `acs:eventbridge:${REGION}:${CENTRAL}:eventbus/default`,
          ParamList: [
            { ResourceKey: 'RegionId', Form: 'CONSTANT', Value: REGION },
            { ResourceKey: 'AccountType', Form: 'CONSTANT', Value: 'AnotherAccount' },
            { ResourceKey: 'AccountId', Form: 'CONSTANT', Value: CENTRAL },
            { ResourceKey: 'EventBusName', Form: 'CONSTANT', Value: 'default' },
            { ResourceKey: 'RAMRoleName', Form: 'CONSTANT', Value: 'ram-role-attacher-event-route' },
            { ResourceKey: 'Body', Form: 'ORIGINAL' },
          ],
          PushRetryStrategy: 'EXPONENTIAL_DECAY_RETRY',
        },
      ]);
    }
  });

  it('creates the member role `iam` prints for that account: trusting only the central attach role', () => {
    const { policy } = loadPolicyFile(DEFAULT_POLICY_FILE);
    const documents = iamDocuments({
      accountId: CENTRAL,
      region: REGION,
      allowedRoles: policy.allowedRoles,
      attach: { functionName: 'ecs-ram-role-attacher', roleName: 'ram-role-attacher', failureTargets: [] },
      alert: { functionName: 'alert', queue: { kind: 'queue', region: REGION, name: 'q' } },
      members: { accountIds: [MEMBER], roleName: 'ram-role-attacher-member' },
    });
    const expected = documents.memberRoles?.[0];
    const role = resolve(memberTemplate.Resources.MemberRole?.Properties, vars) as Record<string, unknown>;
    expect(memberTemplate.Resources.MemberRole?.Type).toBe('ALIYUN::RAM::Role');
    expect(role.RoleName).toBe(expected?.roleName);
    expect(role.AssumeRolePolicyDocument).toEqual(expected?.trust);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { RAM: [`acs:ram::${CENTRAL}:role/ram-role-attacher`] },
        },
      ],
    });
    expect(role.Policies).toEqual([
      { PolicyName: 'ram-role-attacher-member', PolicyDocument: expected?.permissions },
    ]);
  });

  it('gives the central account a route role only the members’ EventBridge may assume, allowed to put events', () => {
    const role = centralTemplate.Resources.EventRouteRole;
    expect(role?.Type).toBe('ALIYUN::RAM::Role');
    const resolved = resolve(role?.Properties, {
      ...defaults(centralTemplate),
      MemberAccountIds: `${MEMBER},2000000000000002`,
    }) as Record<string, unknown>;
    expect(resolved.RoleName).toBe(vars.EventRouteRoleName);
    expect(resolved.AssumeRolePolicyDocument).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: {
            Service: [`${MEMBER}@eventbridge.aliyuncs.com`, '2000000000000002@eventbridge.aliyuncs.com'],
          },
        },
      ],
    });
    expect(resolved.PolicyAttachments).toEqual({ System: [PUT_EVENTS_POLICY] });
  });
});
