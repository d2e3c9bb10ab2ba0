import { randomUUID } from 'node:crypto';

/**
 * The EventBridge CloudEvents the emulated account's ECS emits, shaped exactly like `test/fixtures/events/`
 * (reference §1): the function's decoder and the patterns in `deploy/patterns/` are written against those.
 *
 * - `ecs:Instance:StateChange` (source `acs.ecs`): envelope documented; `data` = the CloudMonitor `content`
 *   (`resourceId`, `resourceType`, `state`), unknown (cloud-facts EV-8): one of the two layouts the patterns take.
 * - ActionTrail write events, in the form EventBridge's "ActionTrail events" page documents: source
 *   `acs.actiontrail`, type `actiontrail:ActionTrail:ApiCall`, the product in `data.serviceName` (cloud-facts
 *   EV-11). On request (`actionTrailForm: 'product'`) the per-product form of the "Alibaba Cloud service event
 *   sources" page instead: source `acs.ecs`, type `ecs:ActionTrail:ApiCall` (EV-12), same `data`.
 * - Tag service `Tag:ChangeOnResource`: its EventBridge spelling is unknown (cloud-facts EV-20). Emitted as source
 *   `acs.tag`, type `tag:Tag:ChangeOnResource`, `data` = the CloudMonitor `content` (`product`, `resourceType`,
 *   `resourceId`, `changedTagKeys`, `tags`) as an Alibaba OOS public template reads it.
 *
 * A type alias (not an interface) so an event is assignable to `Record<string, unknown>`.
 */
export type EcsCloudEvent = {
  id: string;
  source: 'acs.ecs' | 'acs.actiontrail' | 'acs.tag';
  specversion: '1.0';
  type: 'ecs:Instance:StateChange' | ActionTrailType | 'tag:Tag:ChangeOnResource';
  subject?: string;
  time: string;
  datacontenttype?: string;
  aliyunaccountid: string;
  aliyunpublishtime: string;
  aliyuneventbusname: string;
  aliyunregionid: string;
  aliyunpublishaddr?: string;
  data: Record<string, unknown>;
};

/** Which of the two documented envelopes an ActionTrail event arrives in (cloud-facts EV-11, EV-12). */
export type ActionTrailForm = 'actiontrail' | 'product';

const ACTIONTRAIL_ENVELOPES = {
  actiontrail: { source: 'acs.actiontrail', type: 'actiontrail:ActionTrail:ApiCall' },
  product: { source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall' },
} as const;

export type ActionTrailType = (typeof ACTIONTRAIL_ENVELOPES)[ActionTrailForm]['type'];

/** The ActionTrail types the emulator emits, in either form. */
export const ACTIONTRAIL_TYPES: ReadonlySet<string> = new Set(
  Object.values(ACTIONTRAIL_ENVELOPES).map((envelope) => envelope.type),
);

/** What every envelope needs: who, where, and when it is published (ms since epoch). */
export interface EventOrigin {
  accountId: string;
  region: string;
  publishedAt: number;
}

const EVENT_BUS = 'default';
/** The fixtures carry an internal address here; the emulator's own is as good. */
const PUBLISH_ADDR = '127.0.0.1';

export function instanceArn(region: string, accountId: string, instanceId: string): string {
  return `acs:ecs:${region}:${accountId}:instance/${instanceId}`;
}

/** `2026-11-29T04:00:00Z`: CloudEvents `time` and ActionTrail `eventTime` are whole seconds in the samples. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function instanceStateChangeEvent(
  origin: EventOrigin,
  instanceId: string,
  state: string,
): EcsCloudEvent {
  return {
    id: randomUUID(),
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: instanceArn(origin.region, origin.accountId, instanceId),
    time: isoSeconds(origin.publishedAt),
    datacontenttype: 'application/json;charset=utf-8',
    aliyunaccountid: origin.accountId,
    aliyunpublishtime: new Date(origin.publishedAt).toISOString(),
    aliyuneventbusname: EVENT_BUS,
    aliyunregionid: origin.region,
    aliyunpublishaddr: PUBLISH_ADDR,
    data: { resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state },
  };
}

/** One successful API write, as ActionTrail records it. */
export interface ApiCallRecord {
  eventName: string;
  requestId: string;
  /** When the call was made (ms since epoch). */
  calledAt: number;
  region: string;
  userIdentity: Record<string, string>;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown>;
  /** Instances the call refers to, for `referencedResources`. */
  instanceIds: readonly string[];
  sourceIpAddress: string;
  userAgent: string;
  /** The CloudEvent `subject` (an instance ARN), when the sample of that call carries one. */
  subjectInstanceId?: string;
}

/** The ActionTrail record of one call, in the documented `acs.actiontrail` form (`inActionTrailForm` changes it). */
export function actionTrailEvent(origin: EventOrigin, call: ApiCallRecord): EcsCloudEvent {
  return {
    id: randomUUID(),
    ...ACTIONTRAIL_ENVELOPES.actiontrail,
    specversion: '1.0',
    ...(call.subjectInstanceId === undefined
      ? {}
      : { subject: instanceArn(origin.region, origin.accountId, call.subjectInstanceId) }),
    time: isoSeconds(origin.publishedAt),
    aliyunaccountid: origin.accountId,
    aliyunpublishtime: new Date(origin.publishedAt).toISOString(),
    aliyuneventbusname: EVENT_BUS,
    aliyunregionid: origin.region,
    data: {
      // The samples use the request id as the event id.
      eventId: call.requestId,
      eventVersion: 1,
      eventType: 'ApiCall',
      eventRW: 'Write',
      eventName: call.eventName,
      serviceName: 'Ecs',
      apiVersion: '2014-05-26',
      acsRegion: call.region,
      eventSource: `ecs-${call.region}.aliyuncs.com`,
      eventTime: isoSeconds(call.calledAt),
      requestId: call.requestId,
      sourceIpAddress: call.sourceIpAddress,
      userAgent: call.userAgent,
      userIdentity: call.userIdentity,
      requestParameters: call.requestParameters,
      responseElements: call.responseElements,
      referencedResources: { 'ACS::ECS::Instance': [...call.instanceIds] },
      isGlobal: false,
    },
  };
}

/** The same event in the other envelope when it is an ActionTrail event; any other event unchanged. */
export function inActionTrailForm(event: EcsCloudEvent, form: ActionTrailForm): EcsCloudEvent {
  return ACTIONTRAIL_TYPES.has(event.type) ? { ...event, ...ACTIONTRAIL_ENVELOPES[form] } : event;
}

export function tagChangeEvent(
  origin: EventOrigin,
  instanceId: string,
  changedTagKeys: readonly string[],
  tags: Readonly<Record<string, string>>,
): EcsCloudEvent {
  return {
    id: randomUUID(),
    source: 'acs.tag',
    specversion: '1.0',
    type: 'tag:Tag:ChangeOnResource',
    time: isoSeconds(origin.publishedAt),
    aliyunaccountid: origin.accountId,
    aliyunpublishtime: new Date(origin.publishedAt).toISOString(),
    aliyuneventbusname: EVENT_BUS,
    aliyunregionid: origin.region,
    data: {
      product: 'ecs',
      resourceType: 'instance',
      resourceId: instanceId,
      changedTagKeys: [...changedTagKeys],
      tags: { ...tags },
    },
  };
}
