import { RunInstancesRequest, TagResourcesRequest } from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import {
  ACTIONTRAIL_TYPES,
  type ActionTrailForm,
  type EcsCloudEvent,
} from '../../../local/ecs-emulator/index.js';
import { busRules, EventBus } from '../../../local/eventbridge-emulator/event-bus.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import { A, ecsClient, emulators, HANGZHOU, testSeed } from './ecs-emulator-support.js';

/**
 * The ECS emulator's ActionTrail events come in the envelope EventBridge's "ActionTrail events" page documents by
 * default, and in the per-product envelope on request (docs/cloud-facts.md EV-11, EV-12); either way the rule
 * s.yaml deploys routes them and the function decodes them.
 */

const start = emulators();
const credentials = new CredentialStore();
const sts = credentials.issueSts();
const ACCOUNT = '1234567890123456';

const EXPECTED: Record<ActionTrailForm, { source: string; type: string }> = {
  actiontrail: { source: 'acs.actiontrail', type: 'actiontrail:ActionTrail:ApiCall' },
  product: { source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall' },
};

const directBus = () =>
  new EventBus(
    busRules(
      loadDeployment({
        accountId: ACCOUNT,
        env: { DEPLOY_SHAPE: 'direct', FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
      }),
      { toFunction: () => async () => true, toQueue: () => async () => true },
    ),
  );

async function trailsOf(
  form: ActionTrailForm | undefined,
): Promise<{ launched: string[]; events: EcsCloudEvent[] }> {
  const events: EcsCloudEvent[] = [];
  const emu = await start({
    seed: testSeed(),
    credentials,
    onEvent: (event) => events.push(event),
    ...(form === undefined ? {} : { actionTrailForm: form }),
  });
  const ecs = ecsClient(emu, sts);
  const run = await ecs.runInstances(
    new RunInstancesRequest({
      regionId: HANGZHOU,
      imageId: 'aliyun_3_x64_20G_alibase_20260101.vhd',
      instanceType: 'ecs.g7.large',
      amount: 2,
    }),
  );
  await ecs.tagResources(
    new TagResourcesRequest({
      regionId: HANGZHOU,
      resourceType: 'instance',
      resourceId: [A],
      tag: [{ key: 'app', value: 'web' }],
    }),
  );
  await emu.settle();
  return { launched: run.body?.instanceIdSets?.instanceIdSet ?? [], events };
}

describe.each([
  ['by default', undefined, 'actiontrail'],
  ["with actionTrailForm 'actiontrail'", 'actiontrail', 'actiontrail'],
  ["with actionTrailForm 'product'", 'product', 'product'],
] as const)('ECS emulator ActionTrail events, %s', (_name, option, form) => {
  it(`are in the ${form} envelope, routed by ecs-api-calls and decoded`, async () => {
    const { launched, events } = await trailsOf(option);
    const trails = events.filter((event) => ACTIONTRAIL_TYPES.has(event.type));
    expect(trails.map((event) => event.data.eventName)).toEqual(['RunInstances', 'TagResources']);
    const bus = directBus();
    for (const trail of trails) {
      expect(trail).toMatchObject({ ...EXPECTED[form], data: { serviceName: 'Ecs' } });
      expect(bus.match(trail)).toEqual(['ecs-api-calls']);
    }
    const [run, tag] = trails.map((trail) =>
      decodeEvent(JSON.stringify(trail), { defaultRegionId: HANGZHOU }),
    );
    expect(run?.refs.map((ref) => [ref.instanceId, ref.reason, ref.eventType])).toEqual(
      launched.map((id) => [id, 'created', EXPECTED[form].type]),
    );
    expect(tag?.refs.map((ref) => [ref.instanceId, ref.reason])).toEqual([[A, 'tag-change']]);
    // Only ActionTrail events change envelope: state changes stay acs.ecs / ecs:Instance:StateChange.
    const states = events.filter((event) => event.type === 'ecs:Instance:StateChange');
    expect(states.length).toBeGreaterThan(0);
    for (const state of states) expect(state.source).toBe('acs.ecs');
  });
});
