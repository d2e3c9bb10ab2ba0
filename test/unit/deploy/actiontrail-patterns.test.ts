import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { busRules, EventBus } from '../../../local/eventbridge-emulator/event-bus.js';
import { compileEventPatternText } from '../../../local/eventbridge-emulator/event-pattern.js';

/**
 * The documentation's own ActionTrail sample (EventBridge "ActionTrail events" page, copied verbatim into
 * test/fixtures/events/docs/) in both documented envelopes — source `acs.actiontrail` with type
 * `actiontrail:ActionTrail:*` (docs/cloud-facts.md EV-11) and the product's own source `acs.ecs` with type
 * `ecs:ActionTrail:*` (EV-12) — through the deployed patterns: once with the emulator's matcher on the files in
 * deploy/patterns, once through s.yaml as the sandbox loads it (both shapes).
 */

const ACCOUNT = '1234567890123456';
const docs = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/events/docs', name), 'utf8')) as Record<
    string,
    unknown
  >;

/** The sample is the `data` of the event (cloud-facts EV-13); the page shows no envelope around it. */
const SAMPLE = docs('eventbridge-actiontrail-events.data.json');

type Form = 'actiontrail' | 'product';
const ENVELOPES: Record<Form, { source: string; typePrefix: string }> = {
  actiontrail: { source: 'acs.actiontrail', typePrefix: 'actiontrail' },
  product: { source: 'acs.ecs', typePrefix: 'ecs' },
};
const KINDS = ['ApiCall', 'ConsoleOperation', 'AliyunServiceEvent'] as const;

function envelope(
  form: Form,
  data: Record<string, unknown>,
  kind: (typeof KINDS)[number] = 'ApiCall',
  envelopeOf = ENVELOPES[form],
) {
  return {
    id: `doc-${form}-${kind}`,
    source: envelopeOf.source,
    specversion: '1.0',
    type: `${envelopeOf.typePrefix}:ActionTrail:${kind}`,
    time: '2022-10-22T21:52:00Z',
    aliyunaccountid: ACCOUNT,
    aliyunpublishtime: '2022-10-22T21:52:00.100PRC',
    aliyuneventbusname: 'default',
    aliyunregionid: 'cn-hangzhou',
    data,
  };
}

const CALLS = [
  'RunInstances',
  'CreateInstance',
  'Create',
  'TagResources',
  'UntagResources',
  'AddTags',
  'RemoveTags',
];
const TAG_SERVICE_ENVELOPES: Record<string, { source: string; typePrefix: string }> = {
  'acs.actiontrail': ENVELOPES.actiontrail,
  // The Tag service's own product form: its source and type prefix are inferred (cloud-facts EV-19).
  'acs.tag': { source: 'acs.tag', typePrefix: 'tag' },
};

const PATTERNS = join(import.meta.dirname, '../../../deploy/patterns');
const patternFiles = readdirSync(PATTERNS).filter((name) => name.endsWith('.json'));
const matchers = patternFiles.map((name) => ({
  name: name.replace(/\.json$/, ''),
  matcher: compileEventPatternText(readFileSync(join(PATTERNS, name), 'utf8')),
}));
/** Which deploy/patterns files the event matches, by file name. */
const patternsMatching = (event: unknown) =>
  matchers.filter(({ matcher }) => matcher.matches(event)).map(({ name }) => name);

const bus = (shape: 'direct' | 'buffered') =>
  new EventBus(
    busRules(
      loadDeployment({
        accountId: ACCOUNT,
        env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
      }),
      { toFunction: () => async () => true, toQueue: () => async () => true },
    ),
  );
const RULE_NAMES = { direct: 'ecs-api-calls', buffered: 'ram-role-attacher-ecs-api-calls' };

describe.each(['actiontrail', 'product'] as const)('the documented ActionTrail sample, %s form', (form) => {
  it('as documented (an ECS DeleteDisk) matches no pattern', () => {
    for (const kind of KINDS) expect(patternsMatching(envelope(form, SAMPLE, kind))).toEqual([]);
  });

  it.each(CALLS)('with eventName %s matches exactly ecs-api-calls, for every ActionTrail type', (call) => {
    for (const kind of KINDS) {
      expect(patternsMatching(envelope(form, { ...SAMPLE, eventName: call }, kind))).toEqual([
        'ecs-api-calls',
      ]);
    }
  });

  it.each(['direct', 'buffered'] as const)('reaches the ecs-api-calls rule of s.yaml, %s shape', (shape) => {
    const eventBus = bus(shape);
    expect(eventBus.match(envelope(form, SAMPLE))).toEqual([]);
    expect(eventBus.match(envelope(form, { ...SAMPLE, eventName: 'RunInstances' }))).toEqual([
      RULE_NAMES[shape],
    ]);
  });

  it('of another product, with a name we act on, matches nothing', () => {
    const oss = { ...SAMPLE, serviceName: 'Oss', eventName: 'TagResources' };
    expect(patternsMatching(envelope(form, oss))).toEqual([]);
  });
});

describe('Tag service tag writes (serviceName Tag, cloud-facts EV-18, EV-19)', () => {
  it.each(Object.keys(TAG_SERVICE_ENVELOPES))(
    '%s: TagResources and UntagResources match ecs-api-calls',
    (source) => {
      for (const eventName of ['TagResources', 'UntagResources']) {
        const data = {
          ...SAMPLE,
          serviceName: 'Tag',
          eventName,
          requestParameters: {
            RegionId: 'cn-hangzhou',
            'ResourceARN.1': `arn:acs:ecs:cn-hangzhou:${ACCOUNT}:instance/i-bp1pay00000000000001`,
          },
        };
        const event = envelope('actiontrail', data, 'ApiCall', TAG_SERVICE_ENVELOPES[source]);
        expect(patternsMatching(event)).toEqual(['ecs-api-calls']);
        expect(bus('direct').match(event)).toEqual(['ecs-api-calls']);
      }
    },
  );
});

describe('the other documentation samples', () => {
  it.each([
    'eventbridge-event-overview.json',
    'ecs-event-notification-statechange.json',
    'actiontrail-ecs-stopinstance.data.json',
  ])('%s matches no pattern', (name) => {
    expect(patternsMatching(docs(name))).toEqual([]);
  });

  it('the StopInstance record in either envelope matches no pattern (not a call we act on)', () => {
    const stop = docs('actiontrail-ecs-stopinstance.data.json');
    for (const form of ['actiontrail', 'product'] as const)
      expect(patternsMatching(envelope(form, stop))).toEqual([]);
  });
});

describe('rules on the default bus', () => {
  it.each(['direct', 'buffered'] as const)(
    'stay within the 10 rules FC may create for Alibaba Cloud service events (%s shape, cloud-facts EV-24)',
    (shape) => {
      const names = Object.keys(bus(shape).stats());
      expect(names).toHaveLength(patternFiles.length);
      expect(names.length).toBeLessThanOrEqual(10);
    },
  );
});
