import MNSClient from '@alicloud/mns/lib/client.js';
import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';
import type { Deployment } from '../deployment/deployment.js';
import { AccountRouter, type AccountRoutes, type RouteStats } from './account-routes.js';
import type { DeliveryListener } from './delivery-record.js';
import { directDelivery } from './direct-delivery.js';
import { busRules, EventBus, type RuleStats } from './event-bus.js';
import { type AsyncInvocationTypeMeaning, DEFAULT_ASYNC_INVOCATION_TYPE_MEANS } from './invocation-type.js';
import { queueDelivery } from './queue-delivery.js';
import { Sleeper } from './sleep.js';
import { StreamPoller, type StreamStats } from './stream-poller.js';

export { createFcInvoker, type FcInvokerOptions } from '../../shared/fc/fc-invoker.js';
export type { FunctionInvoker, InvokeResult } from '../../shared/fc/function-invoker.js';
export type { AccountRoutes, RouteStats } from './account-routes.js';
export type { DeliveryListener, DeliveryRecord } from './delivery-record.js';
export type { Deliver } from './direct-delivery.js';
export { type BusRule, busRules, EventBus, type RuleStats } from './event-bus.js';
export {
  compileEventPattern,
  compileEventPatternText,
  type EventMatcher,
  EventPatternError,
} from './event-pattern.js';
export {
  type AsyncInvocationTypeMeaning,
  DEFAULT_ASYNC_INVOCATION_TYPE_MEANS,
  invokesAsync,
} from './invocation-type.js';
export { mnsSourceEvent } from './mns-source-event.js';
export { retryDelaysSeconds } from './retry-schedule.js';
export type { StreamStats } from './stream-poller.js';

export interface EventBridgeOptions {
  deployment: Deployment;
  invoker: FunctionInvoker;
  /** The MNS emulator, reached through `@alicloud/mns`: queue rules send to it, event streams read from it. */
  mns: {
    endpoint: string;
    accountId: string;
    credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  };
  /** Multiplies batch windows and retry waits (e.g. 0.01 in tests); default 1. */
  timeScale?: number;
  /** Long-poll wait of idle event streams, whole seconds (1–30); default 1. Bounds how long `close()` takes. */
  pollWaitSeconds?: number;
  /**
   * What a trigger's `asyncInvocationType: true` means: the sources disagree (cloud-facts FT-1), so this is a
   * setting; default `'async'`.
   */
  asyncInvocationTypeMeans?: AsyncInvocationTypeMeaning;
  onDelivery?: DeliveryListener;
  /**
   * Member accounts whose stacks route their events to this (the central) account's bus; without it every event
   * is on the central bus. An event names its bus's account in `aliyunaccountid`.
   */
  routes?: AccountRoutes;
}

export interface EventBridgeStats {
  /** Per default-bus trigger (direct shape) and per queue rule (buffered shape), by name. */
  rules: Record<string, RuleStats>;
  /** Per MNS event-stream trigger (buffered shape), by trigger name. */
  streams: Record<string, StreamStats>;
  /** With `routes`: member events routed to the central bus, and those that were not. */
  routes?: RouteStats;
}

export interface EventBridge {
  /**
   * Puts an event on the default bus of its account (`aliyunaccountid`; the central one when absent); a member's
   * event reaches the central bus only through its routes. Delivery runs in the background.
   */
  publish(event: Record<string, unknown>): void;
  stats(): EventBridgeStats;
  /** Resolves once nothing is in flight: every delivery done and every running event stream idle. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A local EventBridge for one deployment (from `loadDeployment`): the default bus with the deployment's rules,
 * and an event stream per MNS trigger. Every call to another service goes through its official SDK.
 */
export async function startEventBridge(options: EventBridgeOptions): Promise<EventBridge> {
  const { deployment, invoker, onDelivery } = options;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
  const pollWaitSeconds = options.pollWaitSeconds ?? 1;
  if (!Number.isInteger(pollWaitSeconds) || pollWaitSeconds < 1 || pollWaitSeconds > 30) {
    throw new Error(`pollWaitSeconds must be a whole number from 1 to 30, got ${pollWaitSeconds}`);
  }
  const { accessKeyId, accessKeySecret, securityToken } = options.mns.credentials;
  const mns = new MNSClient(options.mns.accountId, {
    accessKeyId,
    accessKeySecret,
    ...(securityToken === undefined ? {} : { securityToken }),
    endpoint: options.mns.endpoint,
  });

  const asyncInvocationTypeMeans = options.asyncInvocationTypeMeans ?? DEFAULT_ASYNC_INVOCATION_TYPE_MEANS;
  // Retry waits of direct deliveries; closing ends them at once.
  const sleeper = new Sleeper();
  const bus = new EventBus(
    busRules(deployment, {
      toFunction: (functionName, trigger) =>
        directDelivery({
          invoker,
          functionName,
          trigger,
          asyncInvocationTypeMeans,
          timeScale,
          sleeper,
          ...(onDelivery === undefined ? {} : { onDelivery }),
        }),
      toQueue: (rule) => queueDelivery(mns, rule, onDelivery),
    }),
  );

  const pollers: StreamPoller[] = [];
  for (const fn of deployment.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.kind !== 'mns-stream') continue;
      if (pollers.some((p) => p.name === trigger.name)) {
        throw new Error(`two event-stream triggers are named ${JSON.stringify(trigger.name)}`);
      }
      pollers.push(
        new StreamPoller({
          functionName: fn.functionName,
          trigger,
          invoker,
          mns,
          region: fn.region,
          accountId: options.mns.accountId,
          timeScale,
          pollWaitSeconds,
          asyncInvocationTypeMeans,
          ...(onDelivery === undefined ? {} : { onDelivery }),
        }),
      );
    }
  }
  for (const poller of pollers) poller.start();
  const router = options.routes === undefined ? undefined : new AccountRouter(options.routes);

  let closed = false;
  return {
    publish(event) {
      if (closed) throw new Error('the EventBridge emulator is closed');
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        throw new TypeError('an event must be a JSON object');
      }
      // A snapshot, as PutEvents would take: later changes by the caller do not reach the targets.
      const snapshot = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
      for (const arriving of router === undefined ? [snapshot] : router.route(snapshot))
        bus.publish(arriving);
    },
    stats: () => ({
      rules: bus.stats(),
      streams: Object.fromEntries(pollers.map((p) => [p.name, p.stats()])),
      ...(router === undefined ? {} : { routes: { ...router.stats } }),
    }),
    async drain() {
      // A stream can only be idle after what the bus sent it has landed; loop in case publishing continues.
      do {
        await bus.settled();
        await Promise.all(pollers.map((p) => p.idle()));
      } while (bus.pending > 0);
    },
    async close() {
      closed = true;
      sleeper.cancelAll();
      await bus.settled();
      await Promise.all(pollers.map((p) => p.close()));
    },
  };
}
