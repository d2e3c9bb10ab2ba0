import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../../local/deployment/deployment.js';
import { busRules, EventBus } from '../../../../local/eventbridge-emulator/event-bus.js';
import { fixture, runningEvent } from '../../../integration/local/eventbridge-test-helpers.js';

// Every event fixture against every rule s.yaml puts on the default bus, in both shapes, through loadDeployment
// (so this follows s.yaml and deploy/patterns). The table says which of the four patterns each fixture fires;
// the direct shape names its triggers after the pattern, the buffered shape its queue rules. State changes fire
// only once the instance runs: `data.state` Running (instance-running) or `data.content.state` Running
// (instance-running-cms); no fixture has the second layout with Running, so a case below builds one.

type PatternName = 'instance-running' | 'instance-running-cms' | 'ecs-api-calls' | 'tag-changes';

const EXPECTED: Record<string, PatternName[]> = {
  'cms-instance-state-running.json': [], // CloudMonitor envelope: no source/type
  'cms-tag-change.json': [],
  'eb-actiontrail-runinstances.json': ['ecs-api-calls'],
  'eb-actiontrail-tagresources.json': ['ecs-api-calls'],
  'eb-batch.json': [], // an array is a delivery shape, not a bus event
  'eb-instance-state-pending.json': [], // Pending: not Running
  'fc-destination-failure.json': [],
  // The documentation's own samples (test/fixtures/events/docs): `data` only, or an envelope of another product.
  'docs/actiontrail-ecs-stopinstance.data.json': [],
  'docs/ecs-event-notification-statechange.json': [], // CloudMonitor envelope: no source/type
  'docs/eventbridge-actiontrail-events.data.json': [],
  'docs/eventbridge-event-overview.json': [],
  'timer.json': [],
  'ignored/disk-state-change.json': [],
  'malformed/bad-instance-id.json': ['instance-running'], // patterns do not validate ids; the function does
  'malformed/bad-region.json': ['instance-running'],
  'malformed/empty-object.json': [],
  'malformed/no-instance.json': ['instance-running'],
  'malformed/wrong-types.json': [],
  'variants/batch-mixed.json': [],
  'variants/cms-state-arn-resourceid.json': [],
  'variants/eb-actiontrail-addtags.json': ['ecs-api-calls'],
  'variants/eb-actiontrail-console-create.json': ['ecs-api-calls'], // ConsoleOperation: `contains :ActionTrail:`
  'variants/eb-actiontrail-createinstance.json': ['ecs-api-calls'],
  'variants/eb-actiontrail-failed-runinstances.json': ['ecs-api-calls'], // errorCode is not filtered on
  'variants/eb-actiontrail-no-servicename.json': [], // the pattern needs data.serviceName (cloud-facts EV-14)
  'variants/eb-actiontrail-oss.json': [],
  'variants/eb-actiontrail-removetags.json': ['ecs-api-calls'],
  'variants/eb-actiontrail-stopinstance.json': [],
  'variants/eb-actiontrail-tagresources-disk.json': ['ecs-api-calls'], // ResourceType is not filtered on
  'variants/eb-actiontrail-untagresources.json': ['ecs-api-calls'],
  'variants/eb-state-content-resourceid.json': [], // data.content.state Created: not Running
  'variants/eb-state-deleted.json': [],
  'variants/eb-state-stopped.json': [],
  'variants/eb-state-subject-only.json': [], // data.state Starting
  'variants/eb-tag-change-rds.json': ['tag-changes'], // product is not filtered on
  'variants/eb-tag-change.json': ['tag-changes'],
  'variants/eb-tag-service-tagresources.json': ['ecs-api-calls'],
  'variants/eb-tag-service-untagresources.json': ['ecs-api-calls'],
  'variants/eb-tag-service-vpc-only.json': ['ecs-api-calls'], // ARNs are not filtered on; the function skips it
  'variants/fc-destination-base64.json': [],
  'variants/fc-destination-parsed-batch.json': [],
  'variants/mns-message-base64.json': [], // source acs:mns
  'variants/raw-actiontrail-runinstances.json': [],
  'variants/raw-state.json': [],
  'variants/redrive-attach-failed.json': [],
  'variants/redrive-poison.json': [],
};

/** Rule names per shape, for each pattern (s.yaml: direct triggers, buffered `vars.bufferRules`). */
const ROUTE_NAMES: Record<'direct' | 'buffered', Record<PatternName, string>> = {
  direct: {
    'instance-running': 'instance-running',
    'instance-running-cms': 'instance-running-cms',
    'ecs-api-calls': 'ecs-api-calls',
    'tag-changes': 'tag-changes',
  },
  buffered: {
    'instance-running': 'ram-role-attacher-instance-running',
    'instance-running-cms': 'ram-role-attacher-instance-running-cms',
    'ecs-api-calls': 'ram-role-attacher-ecs-api-calls',
    'tag-changes': 'ram-role-attacher-tag-changes',
  },
};

const FIXTURES = join(import.meta.dirname, '../../../fixtures/events');

function jsonFixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsonFixtures(path);
    return entry.name.endsWith('.json') ? [relative(FIXTURES, path)] : [];
  });
}

const bus = (shape: 'direct' | 'buffered') =>
  new EventBus(
    busRules(
      loadDeployment({
        accountId: '1234567890123456',
        env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1234567890123456:role/ram-role-attacher' },
      }),
      { toFunction: () => async () => true, toQueue: () => async () => true },
    ),
  );

describe('fixture events × the rules s.yaml puts on the default bus', () => {
  it('the table covers every JSON fixture (classify a new fixture here)', () => {
    expect(jsonFixtures(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(['direct', 'buffered'] as const)('%s shape', (shape) => {
    const eventBus = bus(shape);

    it('has exactly the four pattern rules', () => {
      expect(Object.keys(eventBus.stats()).sort()).toEqual(Object.values(ROUTE_NAMES[shape]).sort());
      const targets = new Set(Object.values(eventBus.stats()).map((s) => s.target));
      expect([...targets]).toEqual([shape === 'direct' ? 'function' : 'queue']);
    });

    it.each(Object.entries(EXPECTED))('%s fires %j', (file, patterns) => {
      const event: unknown = fixture(file);
      const expected = patterns.map((p) => ROUTE_NAMES[shape][p]).sort();
      expect(eventBus.match(event).sort()).toEqual(expected);
    });

    it('a Running state change in data.state fires exactly instance-running', () => {
      expect(eventBus.match(fixture('eb-instance-state-pending.json'))).toEqual([]);
      expect(eventBus.match(runningEvent())).toEqual([ROUTE_NAMES[shape]['instance-running']]);
    });

    it('a Running state change in data.content.state fires exactly instance-running-cms', () => {
      const created = fixture('variants/eb-state-content-resourceid.json');
      expect(eventBus.match(created)).toEqual([]);
      const data = created.data as { content: object };
      const running = { ...created, data: { ...data, content: { ...data.content, state: 'Running' } } };
      expect(eventBus.match(running)).toEqual([ROUTE_NAMES[shape]['instance-running-cms']]);
    });
  });
});
