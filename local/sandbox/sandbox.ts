import { resolve } from 'node:path';
import MNSClient from '@alicloud/mns/lib/client.js';
import { createFcInvoker } from '../../shared/fc/fc-invoker.js';
import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';
import { serviceTrustPolicy } from '../../shared/ram/trust-policy.js';
import { setUpFanout } from '../../tools/setup/failure-fanout.js';
import { CallLog } from '../call-log.js';
import { type AccessKey, CredentialStore } from '../credential-store.js';
import { type Deployment, loadDeployment } from '../deployment/deployment.js';
import { readMemberRoutes } from '../deployment/member-routes.js';
import { type EcsEmulator, startEcsEmulator } from '../ecs-emulator/index.js';
import { type EventBridge, startEventBridge } from '../eventbridge-emulator/index.js';
import { type FcEmulator, type FunctionLogLine, startFcEmulator } from '../fc-emulator/index.js';
import { startMemberServices } from '../member-services.js';
import { type MnsEmulator, startMnsEmulator } from '../mns-emulator/index.js';
import { type RamEmulator, startRamEmulator } from '../ram-emulator/index.js';
import type { RdEmulator } from '../rd-emulator/index.js';
import type { Seed } from '../seed.js';
import type { StsEmulator } from '../sts-emulator/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhook-receiver/index.js';
import { EventGate } from './event-gate.js';

export type { Shape } from './shapes.js';

import type { Shape } from './shapes.js';

export interface SandboxOptions {
  seed: Seed;
  /**
   * Member accounts, each with its own instances and roles (its member role among them): the function serves them
   * through STS as the Resource Directory lists them (`ACCOUNTS=resource-directory`, the central account its
   * management account), and each has the member stack's routes to the central bus (deploy/member-account.ros.yaml).
   */
  members?: readonly Seed[];
  shape: Shape;
  /** The tag policy the function runs with; the one bundled with it (dist/attach-role/policy.yaml) by default. */
  policyFile?: string;
  /** Multiplies FC async-retry and EventBridge retry/batch delays (1 = real time). */
  timeScale?: number;
  ecs?: {
    latencyMs?: number;
    rateLimit?: { ratePerSecond: number; burst?: number };
    pendingMs?: number;
    startingMs?: number;
    visibilityLagMs?: number;
  };
  /** Instances FC may run per function at once (each a worker thread); default 10. */
  maxInstances?: number;
  /** Every line the functions write (JSON log lines) and the FC emulator's notes. */
  log?: (line: FunctionLogLine) => void;
  /** Fixed ports (0 or absent: any free port). */
  ports?: { ecs?: number; mns?: number; fc?: number };
  /** Built code to run instead of what s.yaml deploys, by s.yaml resource (the bench's naive baseline). */
  codeDirs?: Readonly<Record<string, string>>;
}

/**
 * The deployed system on one machine: what s.yaml declares (rendered by Serverless Devs' engine for the chosen
 * shape) running against emulators of ECS, MNS, FC and EventBridge that talk to each other only through the
 * official SDKs. ECS events flow to EventBridge, which invokes the built function through the FC API (direct) or
 * feeds the buffer queue that an event stream reads in batches (buffered).
 */
export interface Sandbox {
  readonly deployment: Deployment;
  readonly accountId: string;
  readonly region: string;
  readonly credentials: CredentialStore;
  /** The AccessKey of the person driving the account (launches, tags). */
  readonly operatorKey: AccessKey;
  /** The member accounts' ids (`members`). */
  readonly memberAccounts: readonly string[];
  /** An operator's AccessKey in that account (the central one: `operatorKey`). */
  operatorKeyFor(accountId: string): AccessKey;
  /** STS (AssumeRole into the member roles) and the Resource Directory listing the accounts, with `members` only. */
  readonly sts?: StsEmulator;
  readonly rd?: RdEmulator;
  readonly calls: CallLog;
  readonly ecs: EcsEmulator;
  /** RAM (GetRole) over the roles the ECS emulator checks: the seed's, and the functions' own roles. */
  readonly ram: RamEmulator;
  readonly mns: MnsEmulator;
  readonly fc: FcEmulator;
  readonly eventBridge: EventBridge;
  /** Between ECS and EventBridge: loses the events of chosen instances (`dropEvents`). */
  readonly eventGate: EventGate;
  /** Stands in for DingTalk, Lark, WeCom, Slack, PagerDuty and a webhook: the alert function's targets. */
  readonly alerts: WebhookReceiver;
  /** Invokes the deployed functions through the FC 3.0 API (`@alicloud/fc20230330`), with the operator's key. */
  readonly invoker: FunctionInvoker;
  /** An `@alicloud/mns` client for the emulator, with the operator's key. */
  mnsClient(): MNSClient;
  /** Resolves once nothing is in flight in the failure fan-out (topic pushes). */
  idle(): Promise<void>;
  /** Endpoints and the operator's AccessKey, for any Alibaba Cloud client. */
  endpoints(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const accountId = options.seed.accountId;
  const credentials = new CredentialStore();
  const operatorKey = credentials.issueAccessKey();
  const members = options.members ?? [];
  const memberKeys = new Map<string, AccessKey>();
  const operatorKeyFor = (account: string): AccessKey => {
    if (account === accountId) return operatorKey;
    if (!members.some((m) => m.accountId === account))
      throw new Error(`no account ${account} in the sandbox`);
    const key = memberKeys.get(account) ?? credentials.issueAccessKey({ accountId: account });
    memberKeys.set(account, key);
    return key;
  };
  const serviceKey = credentials.issueAccessKey(); // what EventBridge uses to reach FC and MNS
  const calls = new CallLog();
  const rendered = loadDeployment({
    accountId,
    env: { DEPLOY_SHAPE: options.shape },
  });
  const codeDirs = options.codeDirs ?? {};
  // The policy is one of the function's own variables (not an override), so a redeploy can change it.
  const policyEnv: Record<string, string> =
    options.policyFile === undefined ? {} : { POLICY_FILE: resolve(options.policyFile) };
  const deployment: Deployment = {
    ...rendered,
    functions: rendered.functions.map((fn) => {
      const codeDir = codeDirs[fn.resource];
      const withPolicy =
        fn.resource === 'attach-role' ? { ...fn, environment: { ...fn.environment, ...policyEnv } } : fn;
      return codeDir === undefined ? withPolicy : { ...withPolicy, codeDir: resolve(codeDir) };
    }),
  };
  const timeScale = options.timeScale ?? 1;
  const ecsOptions = options.ecs ?? {};

  // ECS events go to EventBridge, which starts last (it needs FC); events before that are queued.
  let bus: EventBridge | undefined;
  const early: Record<string, unknown>[] = [];
  const eventGate = new EventGate((event) => (bus === undefined ? early.push(event) : bus.publish(event)), {
    defaultRegionId: deployment.region,
    defaultAccountId: accountId,
  });
  const ecs = await startEcsEmulator({
    seed: options.seed,
    credentials,
    calls,
    latencyMs: ecsOptions.latencyMs ?? 0,
    lifecycle: { pendingMs: ecsOptions.pendingMs ?? 0, startingMs: ecsOptions.startingMs ?? 0 },
    visibilityLagMs: ecsOptions.visibilityLagMs ?? 0,
    ...(members.length === 0 ? {} : { members: members.map((seed) => ({ seed })) }),
    ...(ecsOptions.rateLimit
      ? {
          rateLimits: {
            '*': {
              ratePerSecond: ecsOptions.rateLimit.ratePerSecond,
              burst: ecsOptions.rateLimit.burst ?? ecsOptions.rateLimit.ratePerSecond,
            },
          },
        }
      : {}),
    onEvent: eventGate.publish,
    ...(options.ports?.ecs ? { port: options.ports.ecs } : {}),
  });
  // The roles ECS checks live in RAM; the functions' own roles (s.yaml `role`) trust FC, as `iam` makes them.
  const ram = await startRamEmulator({ accountId, credentials, calls, state: ecs.state.ram });
  for (const fn of deployment.functions) {
    const roleName = fn.role === undefined ? undefined : roleNameOf(fn.role, accountId);
    if (roleName !== undefined && ram.state.role(roleName) === undefined) {
      ram.state.addRole({ name: roleName, trustPolicy: serviceTrustPolicy([FC_SERVICE]) });
    }
  }
  // STS checks each member role's trust policy against the function's role (FC hands it that role's keys).
  const { sts, rd } = await startMemberServices({ credentials, calls, accountId, members, ecs });
  const fanout = deployment.failures;
  const mns = await startMnsEmulator({
    credentials,
    accountId,
    calls,
    timeScale,
    // The failure fan-out is made by `npm run setup`, as for a real account (below); the rest s.yaml implies.
    queues: deployment.queues.filter((q) => q !== fanout.retainedQueue && q !== fanout.alertQueue),
    ...(options.ports?.mns ? { port: options.ports.mns } : {}),
  });
  const mnsClient = () => new MNSClient(accountId, { ...operatorKey, endpoint: mns.url });
  await setUpFanout(mnsClient(), {
    region: deployment.region,
    accountId,
    buffered: false,
    names: {
      ...fanout,
      alertLeaseQueue: alertFunction(deployment)?.environment.ALERT_LEASE_QUEUE ?? '',
      sweepLeaseQueue:
        deployment.functions.find((f) => f.resource === 'attach-role')?.environment.SWEEP_LEASE_QUEUE ?? '',
      bufferQueue: '',
      bufferDeadLetterQueue: '',
    },
  });

  const alerts = await startWebhookReceiver({
    secrets: { dingtalk: ALERT_SECRETS.dingtalk, lark: ALERT_SECRETS.lark, webhook: ALERT_SECRETS.webhook },
  });
  const envOverrides: Record<string, string> = {
    ECS_ENDPOINT: ecs.url,
    MNS_ENDPOINT: mns.url,
    // The alert targets, pointed at the webhook receiver.
    DINGTALK_WEBHOOK: alerts.urls.dingtalk,
    DINGTALK_SECRET: ALERT_SECRETS.dingtalk,
    LARK_WEBHOOK: alerts.urls.lark,
    LARK_SECRET: ALERT_SECRETS.lark,
    WECOM_WEBHOOK: alerts.urls.wecom,
    SLACK_WEBHOOK: alerts.urls.slack,
    PAGERDUTY_ROUTING_KEY: alerts.routingKey,
    PAGERDUTY_EVENTS_URL: alerts.urls.pagerduty,
    ALERT_WEBHOOK: alerts.urls.webhook,
    ALERT_WEBHOOK_SECRET: ALERT_SECRETS.webhook,
    // The deployed default, unscaled: a burst's failures arrive over real seconds whatever the time scale, and
    // a shorter window would split one burst into several alerts per group.
    ALERT_GATHER_SECONDS: '5',
    // Many accounts, as the Resource Directory lists them (README, "Many accounts"): the policy names no account,
    // so the directory's every member is governed, and the sweep walks each of them too.
    ...(sts === undefined || rd === undefined
      ? {}
      : { ACCOUNTS: 'resource-directory', STS_ENDPOINT: sts.url, RESOURCE_DIRECTORY_ENDPOINT: rd.url }),
  };
  const fc = await startFcEmulator({
    functions: deployment.functions,
    credentials,
    accountId,
    region: deployment.region,
    mns: { endpoint: mns.url },
    calls,
    timeScale,
    ...(options.maxInstances === undefined ? {} : { maxInstancesPerFunction: options.maxInstances }),
    envOverrides,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.ports?.fc ? { port: options.ports.fc } : {}),
  });
  // The sweep continues itself through the FC API: read when an instance starts, once the port is known.
  envOverrides.FUNCTION_ENDPOINT = fc.url;
  // EventBridge calls an FC 3.0 function through the FC 3.0 API with its own identity.
  const serviceInvoker = createFcInvoker({
    endpoint: fc.url,
    accountId,
    region: deployment.region,
    credential: serviceKey,
  });
  const eventBridge = await startEventBridge({
    deployment,
    invoker: serviceInvoker,
    mns: { endpoint: mns.url, accountId, credentials: serviceKey },
    timeScale,
    // Each member has the member stack: its events reach the central bus as its rules route them.
    ...(members.length === 0
      ? {}
      : {
          routes: {
            receiver: accountId,
            region: deployment.region,
            senders: members.map((m) => m.accountId),
            rules: readMemberRoutes(),
          },
        }),
  });
  bus = eventBridge;
  for (const event of early.splice(0)) eventBridge.publish(event);
  const stopTimers = wireTopicAndTimerTriggers(deployment, mns, serviceInvoker, timeScale);

  return {
    deployment,
    accountId,
    region: deployment.region,
    credentials,
    operatorKey,
    memberAccounts: members.map((m) => m.accountId),
    operatorKeyFor,
    ...(sts === undefined ? {} : { sts }),
    ...(rd === undefined ? {} : { rd }),
    calls,
    ecs,
    ram,
    mns,
    fc,
    eventBridge,
    eventGate,
    alerts,
    invoker: createFcInvoker({
      endpoint: fc.url,
      accountId,
      region: deployment.region,
      credential: operatorKey,
      timeoutMs: 120_000,
    }),
    mnsClient,
    idle: () => mns.idle(),
    endpoints: () => ({
      shape: deployment.shape,
      accountId,
      region: deployment.region,
      ecs: { endpoint: ecs.host, protocol: 'http' },
      ram: { endpoint: ram.host, protocol: 'http' },
      ...(sts === undefined || rd === undefined
        ? {}
        : {
            sts: { endpoint: sts.url },
            resourceDirectory: { endpoint: rd.url },
            memberAccounts: members.map((m) => m.accountId),
          }),
      mns: { endpoint: mns.url },
      fc: {
        endpoint: fc.url,
        apiVersion: '2023-03-30',
        functions: deployment.functions.map((f) => f.functionName),
      },
      accessKeyId: operatorKey.accessKeyId,
      accessKeySecret: operatorKey.accessKeySecret,
      queues: deployment.queues,
      topics: [fanout.topic],
      alertTargets: alerts.urls,
    }),
    close: async () => {
      stopTimers();
      await eventBridge.close();
      await fc.close();
      await Promise.all([ecs.close(), ram.close(), mns.close(), alerts.close(), sts?.close(), rd?.close()]);
    },
  };
}

const FC_SERVICE = 'fc.aliyuncs.com';

/** The role name of `acs:ram::<this account>:role/<name>`, else undefined (a role elsewhere is not ours to seed). */
function roleNameOf(arn: string, accountId: string): string | undefined {
  const match = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/.exec(arn);
  return match !== null && match[1] === accountId ? match[2] : undefined;
}

/** The dead-letter-alert function as s.yaml declares it. */
function alertFunction(deployment: Deployment) {
  return deployment.functions.find((f) => f.resource === 'dead-letter-alert');
}

/** Signing secrets of the sandbox's alert robots (not secret: local only). */
const ALERT_SECRETS = {
  dingtalk: 'SEC-sandbox-dingtalk-secret',
  lark: 'sandbox-lark-secret',
  webhook: 'sandbox-webhook-secret',
};

/**
 * FC's `mns_topic` triggers become topic subscriptions that invoke the function (asynchronously, as FC's
 * EventBridge-based topic triggers do) and `timer` triggers become intervals (× timeScale). Returns a stop.
 */
function wireTopicAndTimerTriggers(
  deployment: Deployment,
  mns: MnsEmulator,
  invoker: FunctionInvoker,
  timeScale: number,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const fn of deployment.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.kind === 'mns-topic') {
        mns.subscribeFunction(trigger.topic.name, `fc-${fn.functionName}-${trigger.name}`, {
          notifyContentFormat: trigger.notifyContentFormat,
          notifyStrategy: trigger.notifyStrategy,
          ...(trigger.filterTag === undefined ? {} : { filterTag: trigger.filterTag }),
          deliver: async (payload) => {
            const answer = await invoker.invoke(fn.functionName, payload, { async: true });
            if (!answer.ok) throw new Error(`FC refused the event: ${answer.errorType ?? 'unknown'}`);
          },
        });
      } else if (trigger.kind === 'timer' && trigger.enabled) {
        const tick = () =>
          void invoker.invoke(
            fn.functionName,
            Buffer.from(
              JSON.stringify({
                triggerTime: new Date().toISOString(),
                triggerName: trigger.name,
                payload: trigger.payload ?? '',
              }),
            ),
            { async: true },
          );
        timers.push(setInterval(tick, Math.max(100, trigger.everySeconds * 1000 * timeScale)));
      }
    }
  }
  return () => {
    for (const t of timers) clearInterval(t);
  };
}
