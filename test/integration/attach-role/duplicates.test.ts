import { afterEach, describe, expect, it } from 'vitest';
import { mnsSourceEvent } from '../../../local/eventbridge-emulator/mns-source-event.js';
import { ACCOUNT, DESIGN_POLICY, type Harness, ids, instance, startHarness, stateChange } from './harness.js';

/**
 * Duplicates and order (issue 9): every event delivered three times, tag changes delivered out of order, in
 * both shapes. The final roles are the final tags' roles, and a duplicate costs no write.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TAGS = [
  { tags: { team: 'payments', env: 'prod' }, role: 'EcsPaymentsRole' },
  { tags: { team: 'web', 'ram-role': 'EcsAppRole' }, role: 'EcsAppRole' },
  { tags: { team: 'ci', app: 'build-runner' }, role: 'EcsBuildAgentRole' },
] as const;
const N = 12;
const fleet = ids('dup', N);
/** Instance `i`'s tags after `changes` tag changes: each change moves it on to the next group. */
const group = (i: number, changes: number) => TAGS[(i + changes) % TAGS.length] as (typeof TAGS)[number];

const tagChange = (id: string, tags: Record<string, string>, n: number) => ({
  id: `evt-tag-${id}-${n}`,
  source: 'acs.tag',
  specversion: '1.0',
  type: 'tag:Tag:ChangeOnResource',
  time: new Date().toISOString(),
  aliyunaccountid: ACCOUNT,
  aliyunregionid: 'cn-hangzhou',
  data: { product: 'ecs', resourceType: 'instance', resourceId: id, changedTagKeys: Object.keys(tags), tags },
});

/** The events as the buffered shape's event stream hands them over: one batch of MNS messages. */
const batchOf = (events: readonly unknown[]) =>
  events.map((event, i) =>
    mnsSourceEvent(
      {
        MessageId: `msg-${i}`,
        MessageBody: JSON.stringify(event),
        EnqueueTime: String(Date.now()),
      } as Parameters<typeof mnsSourceEvent>[0],
      {
        region: 'cn-hangzhou',
        accountId: ACCOUNT,
        queueName: 'ram-role-attacher-events',
        isBase64Decode: false,
      },
    ),
  );

const thrice = <T>(events: readonly T[]): T[] => [...events, ...events, ...events];
/** A fixed shuffle (the order is part of what is tested, so it must not change between runs). */
const shuffled = <T>(items: readonly T[]): T[] =>
  items
    .map((item, i) => ({ item, key: (i * 7919) % items.length }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);

const rolesNow = () => fleet.map((id) => h?.stack.ecs.state.instance(id)?.role ?? null);
const attaches = () => h?.stack.calls.count('AttachInstanceRamRole') ?? 0;

describe.each(['direct', 'buffered'] as const)(
  '%s shape: duplicates and out-of-order tag changes',
  (shape) => {
    /** Delivers the events as the shape does: one invocation each, one after the other, or all in one batch. */
    async function deliver(events: readonly unknown[]) {
      if (shape === 'buffered') return [await (h as Harness).invoke(batchOf(events))];
      const summaries = [];
      for (const event of events) summaries.push(await (h as Harness).invoke(event));
      return summaries;
    }

    it('every event three times, tag changes newest first: the final tags’ roles, and no write for a duplicate', async () => {
      h = await startHarness({
        seed: { instances: fleet.map((id, i) => instance(id, group(i, 0).tags)) },
        policy: DESIGN_POLICY.replace(/^onExistingRole: \S+/m, 'onExistingRole: replace-managed'),
      });

      // Creation: each Running event three times, shuffled.
      const created = fleet.map((id) => stateChange(id));
      const first = await deliver(shuffled(thrice(created)));
      expect(rolesNow()).toEqual(fleet.map((_, i) => group(i, 0).role));
      // One write per instance (direct) or per role (buffered: the batch's duplicates are one reference each).
      expect(attaches()).toBe(shape === 'direct' ? N : TAGS.length);
      const outcomes = first.flatMap((s) => s.results.map((r) => r.outcome));
      expect(outcomes.filter((o) => o === 'attached')).toHaveLength(N);
      expect(outcomes.filter((o) => o !== 'attached' && o !== 'already-correct')).toEqual([]);

      // The same events once more (a redelivered batch, a retried trigger): no write at all.
      const before = attaches();
      await deliver(thrice(created));
      expect(attaches()).toBe(before);

      // Two tag changes per instance, both made before any event arrives; their events come newest first, each
      // three times.
      for (const [i, id] of fleet.entries()) h.stack.ecs.state.setTags(id, group(i, 2).tags);
      const changes = fleet.flatMap((id, i) => [
        ...thrice([tagChange(id, group(i, 2).tags, 2)]),
        ...thrice([tagChange(id, group(i, 1).tags, 1)]),
      ]);
      await deliver(changes);
      expect(rolesNow()).toEqual(fleet.map((_, i) => group(i, 2).role));
      // One replace per instance (direct) or per role (buffered), however many events named it.
      expect(attaches() - before).toBe(shape === 'direct' ? N : TAGS.length);
      expect(h.stack.calls.count('DetachInstanceRamRole')).toBe(shape === 'direct' ? N : TAGS.length);
      expect(h.stack.deadLetters()).toEqual([]);
      // Nothing ever held a role other than its tags' roles of the moment.
      for (const [i, id] of fleet.entries()) {
        expect(h.stack.ecs.state.rolesHeld(id)).toEqual([group(i, 0).role, group(i, 2).role]);
      }
    });
  },
);
