import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import { OPTIONS, readFixtureJson } from './fixtures.js';

/** Which events say an instance was just launched (`launch`, cloud-facts ECS-34): those are attached first. */

const state = (resourceId: string, value: string) => ({ resourceId, state: value });
const launchOf = (event: unknown) =>
  decodeEvent(JSON.stringify(event), OPTIONS).refs.map((r) => [r.instanceId, r.reason, r.launch]);

describe('launch events', () => {
  it('Pending and Created are launches; Starting and Running are creation states a restart passes too', () => {
    expect(
      launchOf([
        state('i-bp1aaaaaaaaaaaaaaaa1', 'Pending'),
        state('i-bp1aaaaaaaaaaaaaaaa2', 'Created'),
        state('i-bp1aaaaaaaaaaaaaaaa3', 'Starting'),
        state('i-bp1aaaaaaaaaaaaaaaa4', 'Running'),
        state('i-bp1aaaaaaaaaaaaaaaa5', 'Stopped'),
      ]),
    ).toEqual([
      ['i-bp1aaaaaaaaaaaaaaaa1', 'created', true],
      ['i-bp1aaaaaaaaaaaaaaaa2', 'created', true],
      ['i-bp1aaaaaaaaaaaaaaaa3', 'created', undefined],
      ['i-bp1aaaaaaaaaaaaaaaa4', 'created', undefined],
      ['i-bp1aaaaaaaaaaaaaaaa5', 'state-change', undefined],
    ]);
  });

  it('the first event naming an instance decides, as for every other field of its ref', () => {
    const id = 'i-bp1aaaaaaaaaaaaaaaa1';
    expect(launchOf([state(id, 'Running'), state(id, 'Pending')])).toEqual([[id, 'created', undefined]]);
    expect(launchOf([state(id, 'Pending'), state(id, 'Running')])).toEqual([[id, 'created', true]]);
  });

  it('RunInstances is a launch, unless it named a RamRoleName (the instance then has that role)', () => {
    const trail = readFixtureJson('eb-actiontrail-runinstances.json') as {
      data: { requestParameters: Record<string, unknown> };
    };
    expect(launchOf(trail).map(([, , launch]) => launch)).toEqual([true, true, true]);
    trail.data.requestParameters.RamRoleName = 'EcsAppRole';
    expect(launchOf(trail).map(([, reason, launch]) => [reason, launch])).toEqual([
      ['created', undefined],
      ['created', undefined],
      ['created', undefined],
    ]);
  });
});
