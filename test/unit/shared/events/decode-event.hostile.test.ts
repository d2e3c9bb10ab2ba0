import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import {
  MAX_BATCH_EVENTS,
  MAX_INPUT_BYTES,
  MAX_POISON_TEXT_CHARS,
  MAX_REFS_PER_INPUT,
  MAX_WRAP_DEPTH,
} from '../../../../shared/events/limits.js';
import { expectWellFormed, OPTIONS, readFixtureJson } from './fixtures.js';

/** Limits, hostile input and poison codes beyond the shared malformed fixtures. */

const stateChange = (data: unknown, extra: Record<string, unknown> = {}) => ({
  id: 'h-1',
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  aliyunregionid: 'cn-hangzhou',
  ...extra,
  data,
});

const runInstances = (data: Record<string, unknown>) => ({
  id: 'h-trail',
  source: 'acs.actiontrail',
  specversion: '1.0',
  type: 'actiontrail:ActionTrail:ApiCall',
  aliyunregionid: 'cn-hangzhou',
  data: { eventName: 'RunInstances', serviceName: 'Ecs', acsRegion: 'cn-hangzhou', ...data },
});

const decodeJson = (value: unknown) => decodeEvent(JSON.stringify(value), OPTIONS);

/** The only poison entry's code and path. */
function onlyPoison(value: unknown): [string, string] {
  const result = typeof value === 'string' ? decodeEvent(value, OPTIONS) : decodeJson(value);
  expect(result.refs).toEqual([]);
  expect(result.poison).toHaveLength(1);
  expectWellFormed(result);
  const error = result.poison[0]?.error;
  return [error?.code ?? '', error?.path ?? ''];
}

const id = (n: number) => `i-bp1h${String(n).padStart(16, '0')}`;

describe('decodeEvent limits', () => {
  it('poisons a nesting bomb as TooDeep, keeping only the truncated text', () => {
    const bomb = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const result = decodeEvent(bomb, OPTIONS);
    expect(result.poison.map((p) => p.error.code)).toEqual(['InvalidEvent.TooDeep']);
    expect(typeof result.poison[0]?.event).toBe('string');
    expect(String(result.poison[0]?.event).length).toBeLessThan(MAX_POISON_TEXT_CHARS + 100);
    expect(onlyPoison(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`)).toEqual(['InvalidEvent.TooDeep', '']);
  });

  it('accepts nesting up to the limit', () => {
    const deep = stateChange({
      resourceId: id(1),
      state: 'Running',
      x: JSON.parse(`${'['.repeat(50)}${']'.repeat(50)}`),
    });
    expect(decodeJson(deep).refs).toHaveLength(1);
  });

  it('poisons envelopes wrapped more than the wrap limit as TooDeep', () => {
    let wrapped: unknown = stateChange({ resourceId: id(1), state: 'Running' });
    for (let level = 0; level <= MAX_WRAP_DEPTH; level++) {
      wrapped = { requestContext: { requestId: `r${level}` }, requestPayload: JSON.stringify(wrapped) };
    }
    const result = decodeJson(wrapped);
    expect(result.refs).toEqual([]);
    expect(result.poison.map((p) => p.error.code)).toEqual(['InvalidEvent.TooDeep']);
    expect(result.poison[0]?.error.path).toBe('/requestPayload'.repeat(MAX_WRAP_DEPTH + 1));
  });

  it('unwraps up to the wrap limit', () => {
    let wrapped: unknown = stateChange({ resourceId: id(1), state: 'Running' });
    for (let level = 0; level < MAX_WRAP_DEPTH; level++) {
      wrapped = { requestContext: { requestId: `r${level}` }, requestPayload: JSON.stringify(wrapped) };
    }
    expect(decodeJson(wrapped).refs.map((ref) => ref.instanceId)).toEqual([id(1)]);
  });

  it('decodes the first MAX_BATCH_EVENTS elements and poisons the rest as one entry', () => {
    const batch = Array.from({ length: MAX_BATCH_EVENTS + 2 }, (_, n) => ({
      resourceId: id(n),
      state: 'Running',
    }));
    const result = decodeJson(batch);
    expect(result.refs).toHaveLength(MAX_BATCH_EVENTS);
    expect(result.poison).toHaveLength(1);
    expect(result.poison[0]?.error.code).toBe('InvalidEvent.TooManyEvents');
    expect(result.poison[0]?.error.path).toBe(`/${MAX_BATCH_EVENTS}`);
    expect(result.poison[0]?.event).toEqual(batch.slice(MAX_BATCH_EVENTS));
  });

  it('poisons input over the size limit as TooLarge without decoding it', () => {
    const huge = Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20);
    const result = decodeEvent(huge, OPTIONS);
    expect(result.poison.map((p) => p.error.code)).toEqual(['InvalidEvent.TooLarge']);
    expect(String(result.poison[0]?.event).length).toBeLessThan(2 * MAX_POISON_TEXT_CHARS + 100);
  });

  it('truncates undecodable text kept as the poison event', () => {
    const text = `not json ${'x'.repeat(100_000)}`;
    const result = decodeEvent(text, OPTIONS);
    expect(result.poison[0]?.error.code).toBe('InvalidEvent.NotJson');
    expect(String(result.poison[0]?.event)).toMatch(/^not json x+…\(truncated, 100009 chars in all\)$/);
  });

  it('decodes an event naming 10,000 valid instances into 10,000 refs, no poison', () => {
    const ids = Array.from({ length: 10_000 }, (_, n) => id(n));
    const result = decodeJson(runInstances({ referencedResources: { 'ACS::ECS::Instance': ids } }));
    expect(result.poison).toEqual([]);
    expect(result.refs.map((ref) => ref.instanceId)).toEqual(ids);
  });

  it('keeps refs beyond the per-input budget as one TooLarge entry holding their ids, not dropped', () => {
    const ids = Array.from({ length: MAX_REFS_PER_INPUT + 5 }, (_, n) => id(n));
    const result = decodeJson(runInstances({ referencedResources: { 'ACS::ECS::Instance': ids } }));
    expect(result.refs).toHaveLength(MAX_REFS_PER_INPUT);
    expect(result.poison).toHaveLength(1);
    expect(result.poison[0]).toMatchObject({
      error: { code: 'InvalidEvent.TooLarge', path: '' },
      eventId: 'h-trail',
      instances: ids.slice(MAX_REFS_PER_INPUT).map((instanceId) => ({
        instanceId,
        regionId: 'cn-hangzhou',
        accountId: OPTIONS.defaultAccountId,
      })),
    });
  });

  it('decodes 1,000 refs (its speed is a figure of npm run bench, not a test)', () => {
    const batch = Array.from({ length: 1000 }, (_, n) =>
      stateChange({ resourceId: id(n), state: 'Pending' }, { id: `p-${n}` }),
    );
    const input = Buffer.from(JSON.stringify(batch));
    const result = decodeEvent(input, OPTIONS);
    expect(result.refs).toHaveLength(1000);
  });
});

describe('decodeEvent on hostile input', () => {
  it('never lets __proto__ keys pollute prototypes or reach a ref', () => {
    const text =
      '[{"__proto__":{"polluted":"yes","resourceId":"i-bp1evil0000000000001"},"state":"Running"},' +
      '{"resourceId":"i-bp1pay00000000000001","state":"Running","constructor":{"prototype":{"polluted":"yes"}}}]';
    const result = decodeEvent(text, OPTIONS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(result.refs.map((ref) => ref.instanceId)).toEqual(['i-bp1pay00000000000001']);
    expect(result.poison.map((p) => [p.error.code, p.error.path])).toEqual([
      ['InvalidEvent.NoInstance', '/0'],
    ]);
  });

  it('quotes control characters and truncates huge values in messages', () => {
    const result = decodeJson(
      stateChange({ resourceId: `i-bp1\u0000\u001b[31m\u2028${'a'.repeat(1_000_000)}` }),
    );
    const message = result.poison[0]?.error.message ?? '';
    expect(result.poison[0]?.error.code).toBe('InvalidEvent.InstanceId');
    expect(message.length).toBeLessThan(300);
    expect(message).toContain('\\u0000\\u001b[31m\\u2028');
    expect(message).toMatch(/^[ -~]*$/);
  });

  it('poisons an event id with control characters as EventId', () => {
    expect(
      onlyPoison(stateChange({ resourceId: id(1), state: 'Running' }, { id: 'ok\nFAKE LOG LINE' })),
    ).toEqual(['InvalidEvent.EventId', '/id']);
  });

  it('uses the canonical type when the event spells a known type with unsafe characters', () => {
    const event = {
      id: 'h-tag',
      source: 'acs.tag',
      specversion: '1.0',
      type: 'tag:Tag:ChangeOnResource\u0000',
      aliyunregionid: 'cn-hangzhou',
      data: { product: 'ecs', resourceType: 'instance', resourceId: id(7) },
    };
    expect(decodeJson(event).refs[0]?.eventType).toBe('Tag:ChangeOnResource');
  });

  it('never reads inherited properties', () => {
    const text =
      '{"resourceType":"ALIYUN::ECS::Instance","state":"Running","toString":"i-bp1pay00000000000001"}';
    expect(decodeEvent(text, OPTIONS).poison[0]?.error.code).toBe('InvalidEvent.NoInstance');
  });

  it('never throws, whatever it is handed', () => {
    for (const input of [undefined, null, 42, {}, [], new Uint8Array([0x7b, 0x7d])]) {
      const result = decodeEvent(input as unknown as Buffer, OPTIONS);
      expect(result.poison).toHaveLength(1);
    }
    expect(decodeEvent(42 as unknown as string, OPTIONS).poison[0]?.error.code).toBe(
      'InvalidEvent.WrongType',
    );
  });
});

describe('decodeEvent poison codes', () => {
  it.each<[string, unknown, string, string]>([
    ['empty input', '', 'InvalidEvent.NotJson', ''],
    ['whitespace only', ' \n ', 'InvalidEvent.NotJson', ''],
    ['JSON null', 'null', 'InvalidEvent.UnknownEnvelope', ''],
    ['JSON number', '42', 'InvalidEvent.UnknownEnvelope', ''],
    ['JSON string', '"i-bp1pay00000000000001"', 'InvalidEvent.UnknownEnvelope', ''],
    ['unknown object', { hello: 'world' }, 'InvalidEvent.UnknownEnvelope', ''],
    [
      'CloudEvent without type',
      { specversion: '1.0', source: 'acs.ecs' },
      'InvalidEvent.MissingField',
      '/type',
    ],
    ['CloudEvent type not a string', { specversion: '1.0', type: 7 }, 'InvalidEvent.WrongType', '/type'],
    ['state data not an object', stateChange('i-bp1pay00000000000001'), 'InvalidEvent.WrongType', '/data'],
    [
      'resourceId a number',
      stateChange({ resourceId: 42, state: 'Running' }),
      'InvalidEvent.WrongType',
      '/data/resourceId',
    ],
    [
      'malformed subject ARN region',
      stateChange(
        { state: 'Running' },
        { aliyunregionid: undefined, subject: 'acs:ecs:CN_HZ:1:instance/i-bp1pay00000000000001' },
      ),
      'InvalidEvent.RegionId',
      '/subject',
    ],
    [
      'malformed subject ARN account',
      stateChange(
        { state: 'Running' },
        { subject: 'acs:ecs:cn-hangzhou:12x:instance/i-bp1pay00000000000001' },
      ),
      'InvalidEvent.AccountId',
      '/subject',
    ],
    [
      'malformed ARN',
      stateChange({ state: 'Running' }, { subject: 'acs:ecs:cn-hangzhou' }),
      'InvalidEvent.InstanceId',
      '/subject',
    ],
    [
      'bad aliyunaccountid',
      stateChange({ resourceId: id(1) }, { aliyunaccountid: '12-34' }),
      'InvalidEvent.AccountId',
      '/aliyunaccountid',
    ],
    [
      'valid id but malformed id elsewhere',
      stateChange({ resourceId: id(1), content: { resourceId: 'i-BAD' } }),
      'InvalidEvent.InstanceId',
      '/data/content/resourceId',
    ],
    ['RunInstances without ids', runInstances({}), 'InvalidEvent.NoInstance', '/data'],
    [
      'ActionTrail without eventName',
      { ...runInstances({}), data: { serviceName: 'Ecs' } },
      'InvalidEvent.MissingField',
      '/data/eventName',
    ],
    [
      'TagResources without ResourceType',
      runInstances({ eventName: 'TagResources', requestParameters: { 'ResourceId.1': id(1) } }),
      'InvalidEvent.MissingField',
      '/data/requestParameters/ResourceType',
    ],
    [
      'bad acsRegion',
      runInstances({ acsRegion: 'cn hangzhou', referencedResources: { 'ACS::ECS::Instance': [id(1)] } }),
      'InvalidEvent.RegionId',
      '/data/acsRegion',
    ],
    [
      'onFailure payload not JSON',
      { requestContext: { requestId: 'r' }, requestPayload: 'TEST' },
      'InvalidEvent.NotJson',
      '/requestPayload',
    ],
    [
      'onFailure payload empty',
      { requestContext: { requestId: 'r' }, requestPayload: '' },
      'InvalidEvent.NotJson',
      '/requestPayload',
    ],
    [
      'onFailure payload a number',
      { requestContext: { requestId: 'r' }, requestPayload: 5 },
      'InvalidEvent.WrongType',
      '/requestPayload',
    ],
    [
      'onFailure payload an empty object',
      { requestContext: { requestId: 'r' }, requestPayload: '{}' },
      'InvalidEvent.UnknownEnvelope',
      '/requestPayload',
    ],
    [
      'dead-letter version 2',
      { kind: 'deadline', version: 2, instanceId: id(1) },
      'InvalidEvent.UnsupportedVersion',
      '/version',
    ],
    [
      'dead-letter unknown kind',
      { kind: 'replay-me', version: 1, instanceId: id(1) },
      'InvalidEvent.UnknownEnvelope',
      '/kind',
    ],
    [
      'dead-letter without instance',
      { kind: 'deadline', version: 1, regionId: 'cn-hangzhou' },
      'InvalidEvent.NoInstance',
      '',
    ],
    [
      'dead-letter bad instance',
      { kind: 'deadline', version: 1, instanceId: 'i-X' },
      'InvalidEvent.InstanceId',
      '/instanceId',
    ],
    [
      'dead-letter bad region',
      { kind: 'conflict', version: 1, instanceId: id(1), regionId: 'cn_hangzhou' },
      'InvalidEvent.RegionId',
      '/regionId',
    ],
    [
      'dead-letter poison keeping a malformed id',
      {
        kind: 'poison',
        version: 1,
        at: '2026-11-29T04:00:00.000Z',
        error: { code: 'InvalidEvent.RegionId', message: 'm', class: 'permanent' },
        attempts: 1,
        source: { fcRequestId: 'f' },
        instanceIds: [id(1), 'i-NOPE'],
      },
      'InvalidEvent.InstanceId',
      '/instanceIds/1',
    ],
    [
      'dead-letter record with a field of the wrong type',
      {
        kind: 'deadline',
        version: 1,
        at: '2026-11-29T04:00:00.000Z',
        instanceId: id(1),
        error: { code: 'X', message: 'm', class: 'permanent' },
        attempts: 'one',
        source: { fcRequestId: 'f' },
      },
      'InvalidEvent.WrongType',
      '/attempts',
    ],
    [
      'MNS message without body',
      { specversion: '1.0', type: 'mns:Queue:SendMessage', data: {} },
      'InvalidEvent.MissingField',
      '/data/messageBody',
    ],
  ])('%s', (_name, input, code, path) => {
    expect(onlyPoison(input)).toEqual([code, path]);
  });

  it('poisons a malformed id among good ones on its own: its path and value, and the good ones decoded', () => {
    const result = decodeJson(
      runInstances({ referencedResources: { 'ACS::ECS::Instance': [id(1), 'i-../../x', id(2), 7] } }),
    );
    expectWellFormed(result);
    expect(result.refs.map((ref) => ref.instanceId)).toEqual([id(1), id(2)]);
    expect(
      result.poison.map((p) => [p.error.code, p.error.path, p.error.value, p.eventId, p.event, p.instances]),
    ).toEqual([
      [
        'InvalidEvent.InstanceId',
        '/data/referencedResources/ACS::ECS::Instance/1',
        'i-../../x',
        'h-trail',
        undefined,
        undefined,
      ],
      [
        'InvalidEvent.WrongType',
        '/data/referencedResources/ACS::ECS::Instance/3',
        'number 7',
        'h-trail',
        undefined,
        undefined,
      ],
    ]);
  });

  it('poisons an event whose every id is malformed once per id, with no NoInstance besides', () => {
    const result = decodeJson(
      runInstances({ referencedResources: { 'ACS::ECS::Instance': ['i-X', 'i-Y'] } }),
    );
    expect(result.refs).toEqual([]);
    expect(result.poison.map((p) => [p.error.code, p.error.value])).toEqual([
      ['InvalidEvent.InstanceId', 'i-X'],
      ['InvalidEvent.InstanceId', 'i-Y'],
    ]);
  });

  it('poisons an id malformed in two places (referencedResources and responseElements) once', () => {
    const result = decodeJson(
      runInstances({
        referencedResources: { 'ACS::ECS::Instance': [id(1), 'i-BAD'] },
        responseElements: { InstanceIdSets: { InstanceIdSet: [id(1), 'i-BAD'] } },
      }),
    );
    expect(result.refs.map((ref) => ref.instanceId)).toEqual([id(1)]);
    expect(result.poison.map((p) => p.error.path)).toEqual([
      '/data/referencedResources/ACS::ECS::Instance/1',
    ]);
  });

  it('leaves no partial refs or per-id poison behind when the whole event turns out to be poison', () => {
    const event = runInstances({ referencedResources: { 'ACS::ECS::Instance': [id(1), 'bad'] } });
    const { aliyunregionid: _region, ...withoutRegion } = event;
    const { acsRegion: _acs, ...data } = event.data;
    const result = decodeEvent(JSON.stringify({ ...withoutRegion, data }), { defaultRegionId: 'nowhere' });
    expect(result.refs).toEqual([]);
    expect(result.poison.map((p) => p.error.code)).toEqual(['InvalidEvent.RegionId']);
    // The whole event is kept, with the valid ids in it for redrive.
    expect(result.poison[0]?.event).toEqual({ ...withoutRegion, data });
    expect(result.poison[0]?.instances).toEqual([{ instanceId: id(1) }]);
  });

  it('decodes a poison record that kept instance ids into redrive refs, one without into nothing', () => {
    const poison = {
      kind: 'poison',
      version: 1,
      at: '2026-11-29T04:00:00.000Z',
      accountId: '1234567890123456',
      regionId: 'cn-shanghai',
      error: { code: 'InvalidEvent.RegionId', message: 'm', class: 'permanent' },
      attempts: 1,
      source: { eventId: 'e-9', fcRequestId: 'f' },
    };
    const kept = decodeJson({ ...poison, instanceIds: [id(1), id(2)] });
    expect(kept.poison).toEqual([]);
    expect(kept.refs).toEqual(
      [id(1), id(2)].map((instanceId) => ({
        regionId: 'cn-shanghai',
        accountId: '1234567890123456',
        instanceId,
        reason: 'redrive',
        eventId: 'e-9',
        eventType: 'dead-letter:poison',
        eventTime: '2026-11-29T04:00:00.000Z',
      })),
    );
    const none = decodeJson(poison);
    expect([none.refs, none.poison, none.ignored.map((i) => i.eventType)]).toEqual([
      [],
      [],
      ['dead-letter:poison'],
    ]);
  });

  it('poisons refs that would need an invalid default region', () => {
    const result = decodeEvent(JSON.stringify({ resourceId: id(1) }), { defaultRegionId: 'nowhere' });
    expect(result.poison.map((p) => p.error.code)).toEqual(['InvalidEvent.RegionId']);
  });
});

describe('decodeEvent collapsing and defaults', () => {
  it('collapses duplicates across envelopes to the first, keeping same ids in other regions', () => {
    const cms = readFixtureJson('cms-instance-state-running.json') as Record<string, unknown>;
    const batch = [
      stateChange({ resourceId: 'i-bp1pay00000000000001', state: 'Stopped' }, { id: 'first' }),
      cms,
      stateChange(
        { resourceId: 'i-bp1pay00000000000001', state: 'Running' },
        { id: 'other-region', aliyunregionid: 'cn-shanghai' },
      ),
    ];
    const { refs } = decodeJson(batch);
    expect(refs.map((ref) => [ref.regionId, ref.eventId, ref.reason])).toEqual([
      ['cn-hangzhou', 'first', 'state-change'],
      ['cn-shanghai', 'other-region', 'created'],
    ]);
  });

  it('uses the default region and leaves the account out when neither event nor options give one', () => {
    const { refs } = decodeEvent(JSON.stringify({ resourceId: id(3), state: 'Pending' }), {
      defaultRegionId: 'cn-hangzhou',
    });
    expect(refs).toStrictEqual([
      {
        regionId: 'cn-hangzhou',
        instanceId: id(3),
        reason: 'created',
        eventId: 'unknown',
        eventType: 'raw:Instance:StateChange',
        launch: true,
      },
    ]);
  });

  it('gives inner events without an id the wrapping envelope id', () => {
    const onFailure = {
      requestContext: { requestId: 'req-1' },
      requestPayload: JSON.stringify({ resourceId: id(4) }),
    };
    expect(decodeJson(onFailure).refs[0]?.eventId).toBe('req-1');
  });

  it('ignores an empty batch, timers and unknown CloudEvent types without poison', () => {
    for (const input of [
      [],
      readFixtureJson('timer.json'),
      { specversion: '1.0', type: 'oss:ObjectCreated:PutObject', source: 'acs.oss' },
    ]) {
      const result = decodeJson(input);
      expect(result.refs).toEqual([]);
      expect(result.poison).toEqual([]);
      expect(result.ignored).toHaveLength(1);
    }
  });
});
