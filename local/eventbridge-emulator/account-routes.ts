import type { EventPattern } from '../deployment/deployment.js';
import { compileEventPattern, type EventMatcher } from './event-pattern.js';

/**
 * Cross-account routing (cloud-facts AC-11, AD-2): each member account's default bus has the rules of its stack
 * (deploy/member-account.ros.yaml), each sending what it matches to the receiver's bus, whole (`Body` ORIGINAL),
 * in the same region only. The routed copy names its sender in `aliyunoriginalaccountid`; whether
 * `aliyunaccountid` stays the sender's is not documented (AC-12), so here it becomes the receiver's: the harder
 * reading for the function, which must take the sender from `aliyunoriginalaccountid`.
 */
export interface AccountRoutes {
  /** The central account: its own events are on its bus already. */
  receiver: string;
  /** The receiver bus's region: events of other regions are not routed. */
  region: string;
  /** Each member account with a stack, and the stack's rules (the same for every member). */
  senders: readonly string[];
  rules: readonly { name: string; pattern: EventPattern }[];
}

export interface RouteStats {
  /** Copies put on the receiver's bus (one per matching rule, as each rule routes on its own). */
  routed: number;
  /** Member events that stayed on their own bus: no stack there, another region, or no rule matched. */
  notRouted: number;
}

export class AccountRouter {
  readonly #routes: AccountRoutes;
  readonly #matchers: EventMatcher[];
  readonly stats: RouteStats = { routed: 0, notRouted: 0 };

  constructor(routes: AccountRoutes) {
    this.#routes = routes;
    this.#matchers = routes.rules.map((r) => compileEventPattern(r.pattern));
  }

  /** What reaches the receiver's bus for an event on `event.aliyunaccountid`'s bus. */
  route(event: Record<string, unknown>): Record<string, unknown>[] {
    const { receiver, region, senders } = this.#routes;
    const account = event.aliyunaccountid;
    if (account === undefined || account === receiver) return [event];
    const copies =
      typeof account === 'string' && senders.includes(account) && event.aliyunregionid === region
        ? this.#matchers
            .filter((m) => m.matches(event))
            .map(() => ({ ...event, aliyunaccountid: receiver, aliyunoriginalaccountid: account }))
        : [];
    if (copies.length === 0) this.stats.notRouted++;
    this.stats.routed += copies.length;
    return copies;
  }
}
