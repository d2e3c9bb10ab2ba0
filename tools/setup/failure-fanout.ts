import type MNSClient from '@alicloud/mns/lib/client.js';
import { LEASE_BODY } from '../../shared/alerts/alert-lease.js';
import { SWEEP_LEASE } from '../../shared/sweep/sweep-lease.js';

/**
 * The MNS resources of the failure fan-out, named from one prefix (the defaults match s.yaml): the topic the
 * functions publish failures to, the queue that retains them for redrive, and the alert function's work queue,
 * both subscribed to the topic, and the alert function's lease queue; with the buffered shape, also the buffer
 * queue and its dead-letter queue.
 */
export interface FanoutNames {
  topic: string;
  retainedQueue: string;
  alertQueue: string;
  /** Holds the one lease message (shared/alerts/alert-lease.ts); s.yaml names it `<alert queue>-lease`; '' for none. */
  alertLeaseQueue: string;
  /** Holds the sweep's one lease message (shared/sweep/sweep-lease.ts); s.yaml's SWEEP_LEASE_QUEUE; '' for none. */
  sweepLeaseQueue: string;
  bufferQueue: string;
  bufferDeadLetterQueue: string;
}

export function fanoutNames(prefix: string): FanoutNames {
  return {
    topic: `${prefix}-failures`,
    retainedQueue: `${prefix}-dlq`,
    alertQueue: `${prefix}-alerts`,
    alertLeaseQueue: `${prefix}-alerts-lease`,
    sweepLeaseQueue: `${prefix}-sweep-lease`,
    bufferQueue: `${prefix}-events`,
    bufferDeadLetterQueue: `${prefix}-events-dlq`,
  };
}

export type SetupResult = 'created' | 'unchanged' | 'differs';

export interface SetupStep {
  resource: string;
  result: SetupResult;
}

const WEEK_SECONDS = 7 * 24 * 3600;

/**
 * Creates whatever is missing, idempotently: a resource that exists with the same attributes is left alone
 * (`unchanged`); one that exists with other attributes is reported (`differs`) and left as it is, since
 * changing a queue someone else tuned is not setup's call.
 */
export async function setUpFanout(
  mns: MNSClient,
  options: { region: string; accountId: string; names: FanoutNames; buffered: boolean },
): Promise<SetupStep[]> {
  const { names, region, accountId } = options;
  const steps: SetupStep[] = [];
  const queue = async (name: string, attributes: MNSClient.QueueAttributesParams) =>
    steps.push({
      resource: `queue ${name}`,
      result: await ensure(() => mns.createQueue(name, attributes), 'QueueAlreadyExist'),
    });

  steps.push({
    resource: `topic ${names.topic}`,
    result: await ensure(() => mns.createTopic(names.topic), 'TopicAlreadyExist'),
  });
  // Retained for redrive: MNS's longest retention, 7 days.
  await queue(names.retainedQueue, { MessageRetentionPeriod: WEEK_SECONDS, VisibilityTimeout: 60 });
  // Longer than the alert function's timeout, so a batch it is working on does not reappear meanwhile.
  await queue(names.alertQueue, { MessageRetentionPeriod: WEEK_SECONDS, VisibilityTimeout: 120 });
  if (names.alertLeaseQueue !== '') await lease(mns, names.alertLeaseQueue, LEASE_BODY, steps);
  if (names.sweepLeaseQueue !== '') await lease(mns, names.sweepLeaseQueue, SWEEP_LEASE.body, steps);
  if (options.buffered) {
    await queue(names.bufferQueue, { MessageRetentionPeriod: 4 * 24 * 3600, VisibilityTimeout: 300 });
    await queue(names.bufferDeadLetterQueue, { MessageRetentionPeriod: WEEK_SECONDS, VisibilityTimeout: 60 });
  }
  for (const [subscription, target] of [
    [`${names.retainedQueue}`, names.retainedQueue],
    [`${names.alertQueue}`, names.alertQueue],
  ] as const) {
    const body = subscriptionXml(`acs:mns:${region}:${accountId}:queues/${target}`);
    steps.push({
      resource: `subscription ${names.topic}/${subscription} → queue ${target}`,
      result: await ensure(
        () => mns.put(`/topics/${names.topic}/subscriptions/${subscription}`, 'Subscription', body),
        'SubscriptionAlreadyExist',
      ),
    });
  }
  return steps;
}

/**
 * A lease (the alert drain's, the sweep's): its queue (a taker sets its own hold; 90 s is the fallback)
 * and one message. MNS shows no hidden message (cloud-facts MNS-25), so an existing queue gets a lease only when
 * none is visible; if that one was merely held, the function deletes the surplus the next time it takes two.
 */
async function lease(mns: MNSClient, name: string, body: string, steps: SetupStep[]): Promise<void> {
  const result = await ensure(
    () => mns.createQueue(name, { MessageRetentionPeriod: WEEK_SECONDS, VisibilityTimeout: 90 }),
    'QueueAlreadyExist',
  );
  steps.push({ resource: `queue ${name}`, result });
  const visible = result !== 'created' && (await hasVisibleMessage(mns, name));
  if (!visible) await mns.sendMessage(name, { MessageBody: body });
  steps.push({ resource: `lease message in ${name}`, result: visible ? 'unchanged' : 'created' });
}

async function hasVisibleMessage(mns: MNSClient, queue: string): Promise<boolean> {
  try {
    await mns.peekMessage(queue);
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'MNSMessageNotExistError') return false;
    throw error;
  }
}

/**
 * A queue endpoint with the SIMPLIFIED format: the queue message body is the published body itself, which is
 * what redrive and the alert function read (the SDK's subscribe() is a stub, so the request is built here).
 */
function subscriptionXml(endpoint: string): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="http://mns.aliyuncs.com/doc/v1/">' +
      `<Endpoint>${endpoint}</Endpoint><NotifyStrategy>BACKOFF_RETRY</NotifyStrategy>` +
      '<NotifyContentFormat>SIMPLIFIED</NotifyContentFormat></Subscription>',
    'utf8',
  );
}

/** 201 created, 204 unchanged; the "already exists (with other attributes)" error means it differs. */
async function ensure(create: () => Promise<{ code: number }>, conflictCode: string): Promise<SetupResult> {
  try {
    const { code } = await create();
    if (code === 201) return 'created';
    if (code === 204) return 'unchanged';
    throw new Error(`MNS answered HTTP ${code}`);
  } catch (error) {
    if (error instanceof Error && error.name === `MNS${conflictCode}Error`) return 'differs';
    throw error;
  }
}
