import { describe, expect, it } from 'vitest';
import { EventGate } from '../../../../local/sandbox/event-gate.js';

const running = (id: string) => ({
  id: `e-${id}`,
  source: 'acs.ecs',
  type: 'ecs:Instance:StateChange',
  specversion: '1.0',
  aliyunaccountid: '1234567890123456',
  aliyunregionid: 'cn-hangzhou',
  data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
});

function gate() {
  const delivered: string[] = [];
  const g = new EventGate((event) => delivered.push(String(event.id)), {
    defaultRegionId: 'cn-hangzhou',
    defaultAccountId: '1234567890123456',
  });
  return { g, delivered };
}

describe('EventGate', () => {
  it('loses the events that name a lost instance and passes the others, in order', () => {
    const { g, delivered } = gate();
    g.lose(['i-bp1lost0000000000001']);
    g.publish(running('i-bp1kept0000000000001'));
    g.publish(running('i-bp1lost0000000000001'));
    g.publish(running('i-bp1kept0000000000002'));
    expect(delivered).toEqual(['e-i-bp1kept0000000000001', 'e-i-bp1kept0000000000002']);
    expect(g.dropped).toBe(1);
  });

  it('holds events while a launch is in flight, then judges them with the ids it answered', () => {
    const { g, delivered } = gate();
    const release = g.hold();
    g.publish(running('i-bp1new00000000000001'));
    g.publish(running('i-bp1new00000000000002'));
    expect(delivered).toEqual([]);
    g.lose(['i-bp1new00000000000001']);
    release();
    release(); // once only
    expect(delivered).toEqual(['e-i-bp1new00000000000002']);
    expect(g.dropped).toBe(1);
  });
});
