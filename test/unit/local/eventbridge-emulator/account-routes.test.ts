import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMemberRoutes } from '../../../../local/deployment/member-routes.js';
import { AccountRouter } from '../../../../local/eventbridge-emulator/account-routes.js';
import { centralRouteRules } from '../../../../tools/deploy/member-account-template.js';

const CENTRAL = '1234567890123456';
const MEMBER = '2000000000000001';
const rules = readMemberRoutes();
const router = () =>
  new AccountRouter({ receiver: CENTRAL, region: 'cn-hangzhou', senders: [MEMBER], rules });

const running = (account: string, region = 'cn-hangzhou', state = 'Running') => ({
  id: 'e-1',
  source: 'acs.ecs',
  type: 'ecs:Instance:StateChange',
  aliyunaccountid: account,
  aliyunregionid: region,
  data: { resourceId: 'i-bp1aaaaaaaaaaaaaaaa1', state },
});

describe('cross-account routing in the EventBridge emulator', () => {
  it('routes with exactly the member stack’s rules, which are the central triggers’ patterns', () => {
    expect(rules.map((r) => r.pattern)).toEqual(centralRouteRules().map((r) => r.pattern));
  });

  it('puts a matching member event on the central bus whole, naming its sender in aliyunoriginalaccountid', () => {
    const r = router();
    const event = running(MEMBER);
    expect(r.route(event)).toEqual([{ ...event, aliyunaccountid: CENTRAL, aliyunoriginalaccountid: MEMBER }]);
    expect(r.stats).toEqual({ routed: 1, notRouted: 0 });
  });

  it('leaves the central account’s own events as they are', () => {
    const event = running(CENTRAL);
    expect(router().route(event)).toEqual([event]);
  });

  it('routes nothing from an account without the stack, from another region, or that no rule matches', () => {
    const r = router();
    expect(r.route(running('4000000000000003'))).toEqual([]);
    expect(r.route(running(MEMBER, 'cn-shanghai'))).toEqual([]);
    expect(r.route(running(MEMBER, 'cn-hangzhou', 'Pending'))).toEqual([]);
    expect(r.stats).toEqual({ routed: 0, notRouted: 3 });
  });

  it('never routes an event of an account other than its senders, whatever it holds', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.stringMatching(/^\d{1,20}$/),
        (extra, account) => {
          fc.pre(account !== MEMBER && account !== CENTRAL);
          const routed = router().route({ ...extra, ...running(account) });
          expect(routed).toEqual([]);
        },
      ),
    );
  });
});
