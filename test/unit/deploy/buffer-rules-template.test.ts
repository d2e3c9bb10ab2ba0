import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { repositoryTemplate, TEMPLATE_FILE } from '../../../tools/deploy/buffer-rules-template.js';

const ACCOUNT = '1234567890123456';
const committed = readFileSync(TEMPLATE_FILE, 'utf8');

interface RuleResource {
  Type: string;
  Properties: {
    EventBusName: string;
    RuleName: string;
    FilterPattern: unknown;
    Targets: {
      Type: string;
      Endpoint: unknown;
      ParamList: { ResourceKey: string; Form: string; Value?: unknown }[];
    }[];
  };
}

describe('deploy/buffer-rules.ros.yaml (the buffered shape’s EventBridge rules)', () => {
  const template = parse(committed) as {
    ROSTemplateFormatVersion: unknown;
    Parameters: { BufferQueueName: { Default: string } };
    Resources: Record<string, RuleResource>;
  };
  const buffered = loadDeployment({ accountId: ACCOUNT, env: { DEPLOY_SHAPE: 'buffered' } });

  it('is what the generator makes from s.yaml now (regenerate: npx tsx tools/deploy/buffer-rules-template.ts)', () => {
    expect(committed).toBe(repositoryTemplate());
  });

  it('parses as a ROS template whose rules have exactly the patterns s.yaml’s bufferRules use', () => {
    expect(template.ROSTemplateFormatVersion).toBe('2015-09-01');
    const rules = Object.values(template.Resources);
    expect(rules.every((r) => r.Type === 'ALIYUN::EventBridge::Rule')).toBe(true);
    expect(rules.map((r) => [r.Properties.RuleName, r.Properties.FilterPattern])).toEqual(
      buffered.queueRules.map((rule) => [rule.name, rule.pattern]),
    );
    // …which are the files in deploy/patterns, the ones the direct shape's triggers use too.
    const direct = loadDeployment({ accountId: ACCOUNT, env: { DEPLOY_SHAPE: 'direct' } });
    const triggers = direct.functions.flatMap((f) => f.triggers).filter((t) => t.kind === 'default-bus');
    expect(rules.map((r) => r.Properties.FilterPattern)).toEqual(triggers.map((t) => t.pattern));
  });

  it('sends every match to the buffer queue on the default bus, the body unencoded', () => {
    expect(template.Parameters.BufferQueueName.Default).toBe(buffered.queueRules[0]?.queueName);
    for (const rule of Object.values(template.Resources)) {
      expect(rule.Properties.EventBusName).toBe('default');
      expect(rule.Properties.Targets).toHaveLength(1);
      const [target] = rule.Properties.Targets;
      expect(target?.Type).toBe('acs.mns.queue');
      expect(target?.Endpoint).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ROS's Fn::Sub syntax, not a JavaScript template
        'Fn::Sub': 'acs:mns:${ALIYUN::Region}:${ALIYUN::AccountId}:queues/${BufferQueueName}',
      });
      expect(target?.ParamList).toEqual([
        { ResourceKey: 'queue', Form: 'CONSTANT', Value: { Ref: 'BufferQueueName' } },
        { ResourceKey: 'Body', Form: 'ORIGINAL' },
        { ResourceKey: 'IsBase64Encode', Form: 'CONSTANT', Value: 'false' },
      ]);
    }
  });
});
