import { resolve } from 'node:path';
import { CallLog } from '../call-log.js';
import { type AccessKey, CredentialStore } from '../credential-store.js';
import { type Deployment, loadDeployment } from '../deployment/deployment.js';
import { type EcsEmulator, startEcsEmulator } from '../ecs-emulator/index.js';
import { createFc2Invoker, type EventBridge, startEventBridge } from '../eventbridge-emulator/index.js';
import { type FcEmulator, type FunctionLogLine, startFcEmulator } from '../fc-emulator/index.js';
import { type MnsEmulator, startMnsEmulator } from '../mns-emulator/index.js';
import type { Seed } from '../seed.js';

export type Shape = 'direct' | 'buffered';

export interface SandboxOptions {
  seed: Seed;
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
  readonly calls: CallLog;
  readonly ecs: EcsEmulator;
  readonly mns: MnsEmulator;
  readonly fc: FcEmulator;
  readonly eventBridge: EventBridge;
  /** Endpoints and the operator's AccessKey, for any Alibaba Cloud client. */
  endpoints(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const accountId = options.seed.accountId;
  const credentials = new CredentialStore();
  const operatorKey = credentials.issueAccessKey();
  const serviceKey = credentials.issueAccessKey(); // what EventBridge uses to reach FC and MNS
  const calls = new CallLog();
  const deployment = loadDeployment({
    accountId,
    env: { DEPLOY_SHAPE: options.shape, FUNCTION_ROLE_ARN: `acs:ram::${accountId}:role/ram-role-attacher` },
  });
  const timeScale = options.timeScale ?? 1;
  const ecsOptions = options.ecs ?? {};

  // ECS events go to EventBridge, which starts last (it needs FC); events before that are queued.
  let bus: EventBridge | undefined;
  const early: Record<string, unknown>[] = [];
  const ecs = await startEcsEmulator({
    seed: options.seed,
    credentials,
    calls,
    latencyMs: ecsOptions.latencyMs ?? 0,
    lifecycle: { pendingMs: ecsOptions.pendingMs ?? 0, startingMs: ecsOptions.startingMs ?? 0 },
    visibilityLagMs: ecsOptions.visibilityLagMs ?? 0,
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
    onEvent: (event) => (bus === undefined ? early.push(event) : bus.publish(event)),
    ...(options.ports?.ecs ? { port: options.ports.ecs } : {}),
  });
  const mns = await startMnsEmulator({
    credentials,
    accountId,
    calls,
    queues: deployment.queues,
    ...(options.ports?.mns ? { port: options.ports.mns } : {}),
  });
  const fc = await startFcEmulator({
    functions: deployment.functions,
    credentials,
    accountId,
    region: deployment.region,
    mns: { endpoint: mns.url },
    calls,
    timeScale,
    ...(options.maxInstances === undefined ? {} : { maxInstancesPerFunction: options.maxInstances }),
    envOverrides: {
      ECS_ENDPOINT: ecs.url,
      MNS_ENDPOINT: mns.url,
      ...(options.policyFile === undefined ? {} : { POLICY_FILE: resolve(options.policyFile) }),
    },
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.ports?.fc ? { port: options.ports.fc } : {}),
  });
  const eventBridge = await startEventBridge({
    deployment,
    invoker: createFc2Invoker({
      endpoint: fc.url,
      accountId,
      region: deployment.region,
      credentials: serviceKey,
    }),
    mns: { endpoint: mns.url, accountId, credentials: serviceKey },
    timeScale,
  });
  bus = eventBridge;
  for (const event of early.splice(0)) eventBridge.publish(event);

  return {
    deployment,
    accountId,
    region: deployment.region,
    credentials,
    operatorKey,
    calls,
    ecs,
    mns,
    fc,
    eventBridge,
    endpoints: () => ({
      shape: deployment.shape,
      accountId,
      region: deployment.region,
      ecs: { endpoint: ecs.host, protocol: 'http' },
      mns: { endpoint: mns.url },
      fc: {
        endpoint: fc.url,
        apiVersion: '2023-03-30',
        functions: deployment.functions.map((f) => f.functionName),
      },
      accessKeyId: operatorKey.accessKeyId,
      accessKeySecret: operatorKey.accessKeySecret,
      queues: deployment.queues,
    }),
    close: async () => {
      await eventBridge.close();
      await fc.close();
      await Promise.all([ecs.close(), mns.close()]);
    },
  };
}
