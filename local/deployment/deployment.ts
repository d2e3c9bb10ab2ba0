import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { type MnsArn, parseMnsArn } from './mns-arn.js';
import { renderServerlessYaml } from './render-s-yaml.js';

/** An EventBridge event pattern, parsed (`eventRuleFilterPattern`). */
export type EventPattern = Record<string, unknown>;

/**
 * An EventBridge rule on the default bus that invokes the function per event (direct shape). Its `runOptions`
 * beyond `mode` are not read: retry and dead-letter settings are documented for custom event sources only
 * (cloud-facts FT-3), so none applies here.
 */
export interface DefaultBusTrigger {
  kind: 'default-bus';
  name: string;
  pattern: EventPattern;
  /**
   * `asyncInvocationType` as s.yaml writes it. Whether `true` means asynchronous is documented both ways
   * (cloud-facts FT-1); the EventBridge emulator is told which reading to apply.
   */
  asyncInvocationType: boolean;
  enabled: boolean;
  eventSchema: 'CloudEvents' | 'RawData';
}

/** An event stream from an MNS queue that invokes the function with batches (buffered shape). */
export interface MnsStreamTrigger {
  kind: 'mns-stream';
  name: string;
  queueName: string;
  isBase64Decode: boolean;
  /** As s.yaml writes it; see DefaultBusTrigger (cloud-facts FT-1). */
  asyncInvocationType: boolean;
  enabled: boolean;
  eventSchema: 'CloudEvents' | 'RawData';
  batch: { maxEvents: number; windowSeconds: number };
  retryStrategy: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
  errorsTolerance: 'ALL' | 'NONE';
  deadLetterQueue?: MnsArn;
}

/** An MNS topic subscription that invokes the function per message (fc3 `mns_topic`). */
export interface MnsTopicTrigger {
  kind: 'mns-topic';
  name: string;
  topic: MnsArn;
  notifyContentFormat: 'JSON' | 'STREAM';
  notifyStrategy: 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
  filterTag?: string;
}

/** A schedule (fc3 `timer`); only `@every <n>s|m|h` runs locally. */
export interface TimerTrigger {
  kind: 'timer';
  name: string;
  everySeconds: number;
  enabled: boolean;
  payload?: string;
}

export type Trigger = DefaultBusTrigger | MnsStreamTrigger | MnsTopicTrigger | TimerTrigger;

export interface FunctionDeployment {
  /** The s.yaml resource key (`attach-role`). */
  resource: string;
  functionName: string;
  region: string;
  runtime: string;
  /** `index.handler`: file `index.mjs` (or `.js`), export `handler`. */
  handler: string;
  /**
   * fc3 `customRuntimeConfig` of a custom runtime (`custom`, `custom.debian10` …): the command FC starts in the
   * code directory, and the port its HTTP server listens on (default 9000). Cloud-facts CR-1, CR-2.
   */
  customRuntime?: { command: string[]; args: string[]; port: number };
  /** Absolute path of the code directory. */
  codeDir: string;
  memorySize: number;
  timeoutSeconds: number;
  instanceConcurrency: number;
  /**
   * fc3 `concurrencyConfig.reservedConcurrency` (PutConcurrencyConfig): the most instances FC runs at once for the
   * function; beyond it a sync call is refused (429 ResourceExhausted) and an async one waits (cloud-facts FC-17,
   * FC-18). Absent: only the account's limits apply.
   */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  /** The function's RAM role (fc3 `role`, an ARN), when s.yaml gives one. */
  role?: string;
  asyncInvoke: {
    maxRetryAttempts: number;
    maxEventAgeSeconds: number;
    onFailure?: MnsArn;
    onSuccess?: MnsArn;
  };
  triggers: Trigger[];
}

/** An EventBridge rule that sends matching events to an MNS queue (buffered shape: `vars.bufferRules`). */
export interface QueueRule {
  name: string;
  pattern: EventPattern;
  queueName: string;
}

export interface Deployment {
  name: string;
  shape: 'direct' | 'buffered';
  region: string;
  functions: FunctionDeployment[];
  /** The failure fan-out that `npm run setup` creates: the topic and the queues subscribed to it. */
  failures: { topic: string; retainedQueue: string; alertQueue: string };
  /** Rules feeding the buffer queue; empty in the direct shape. */
  queueRules: QueueRule[];
  /** Queues the deployment expects to exist (dead-letter, buffer, destinations). */
  queues: string[];
}

const json = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    try {
      return JSON.parse(text) as EventPattern;
    } catch {
      ctx.issues.push({ code: 'custom', input: text, message: 'is not valid JSON' });
      return z.NEVER;
    }
  }),
);
const numberish = z.pipe(z.union([z.number(), z.string()]), z.transform(Number));

const eventBridgeTrigger = z.object({
  triggerName: z.string(),
  triggerType: z.literal('eventbridge'),
  triggerConfig: z.object({
    triggerEnable: z.boolean(),
    asyncInvocationType: z.boolean(),
    eventRuleFilterPattern: json,
    eventSourceConfig: z.object({
      eventSourceType: z.enum(['Default', 'MNS']),
      eventSourceParameters: z.object({
        sourceMNSParameters: z.optional(
          z.object({ QueueName: z.string(), IsBase64Decode: z.optional(z.boolean()) }),
        ),
      }),
    }),
    eventSinkConfig: z.object({
      deliveryOption: z.object({ eventSchema: z.optional(z.enum(['CloudEvents', 'RawData'])) }),
    }),
    runOptions: z.object({
      mode: z.enum(['event-driven', 'event-streaming']),
      batchWindow: z.optional(z.object({ CountBasedWindow: numberish, TimeBasedWindow: numberish })),
      retryStrategy: z.optional(
        z.object({ PushRetryStrategy: z.enum(['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY']) }),
      ),
      errorsTolerance: z.optional(z.enum(['ALL', 'NONE'])),
      deadLetterQueue: z.optional(z.object({ Arn: z.string() })),
    }),
  }),
});

const mnsTopicTrigger = z.object({
  triggerName: z.string(),
  triggerType: z.literal('mns_topic'),
  sourceArn: z.string(),
  triggerConfig: z.object({
    notifyContentFormat: z.enum(['JSON', 'STREAM']),
    notifyStrategy: z.enum(['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY']),
    filterTag: z.optional(z.string()),
  }),
});

const timerTrigger = z.object({
  triggerName: z.string(),
  triggerType: z.literal('timer'),
  triggerConfig: z.object({
    cronExpression: z.string(),
    enable: z.boolean(),
    payload: z.optional(z.string()),
  }),
});

const fc3Props = z.object({
  region: z.string(),
  functionName: z.string(),
  runtime: z.string(),
  code: z.string(),
  handler: z.string(),
  customRuntimeConfig: z.optional(
    z.object({
      command: z._default(z.array(z.string()), []),
      args: z._default(z.array(z.string()), []),
      port: z._default(z.number(), 9000),
    }),
  ),
  memorySize: z._default(z.number(), 512),
  timeout: z._default(z.number(), 3),
  instanceConcurrency: z._default(z.number(), 1),
  concurrencyConfig: z.optional(z.object({ reservedConcurrency: z.int().check(z.gte(0)) })),
  role: z.optional(z.string()),
  environmentVariables: z._default(z.record(z.string(), z.string()), {}),
  asyncInvokeConfig: z._default(
    z.object({
      maxAsyncRetryAttempts: z._default(z.number(), 3),
      maxAsyncEventAgeInSeconds: z._default(z.number(), 86_400),
      destinationConfig: z.optional(
        z.object({
          onFailure: z.optional(z.object({ destination: z.string() })),
          onSuccess: z.optional(z.object({ destination: z.string() })),
        }),
      ),
    }),
    { maxAsyncRetryAttempts: 3, maxAsyncEventAgeInSeconds: 86_400 },
  ),
  triggers: z._default(z.array(z.union([eventBridgeTrigger, mnsTopicTrigger, timerTrigger])), []),
});

const document = z.object({
  name: z.string(),
  vars: z.object({
    shape: z.enum(['direct', 'buffered']),
    region: z.string(),
    deadLetterTopic: z.string(),
    retainedQueue: z.string(),
    alertQueue: z.string(),
    bufferQueue: z.string(),
    bufferRules: z.array(z.object({ name: z.string(), pattern: json })),
  }),
  resources: z.record(z.string(), z.object({ component: z.string(), props: z.unknown() })),
});

export interface LoadDeploymentOptions {
  file?: string;
  accountId: string;
  env?: Record<string, string>;
}

/** Renders s.yaml and reads from it what the local emulators run: functions, triggers, async config, queues. */
export function loadDeployment(options: LoadDeploymentOptions): Deployment {
  const file = resolve(options.file ?? 's.yaml');
  const rendered = renderServerlessYaml(file, { accountId: options.accountId, env: options.env ?? {} });
  const doc = parseOrThrow(document, rendered, file);
  const functions: FunctionDeployment[] = [];
  for (const [resource, { component, props }] of Object.entries(doc.resources)) {
    if (component !== 'fc3') continue;
    const p = parseOrThrow(fc3Props, props, `${file} resources.${resource}.props`);
    const destinations = p.asyncInvokeConfig.destinationConfig;
    functions.push({
      resource,
      functionName: p.functionName,
      region: p.region,
      runtime: p.runtime,
      handler: p.handler,
      ...(p.customRuntimeConfig === undefined ? {} : { customRuntime: p.customRuntimeConfig }),
      codeDir: resolve(file, '..', p.code),
      memorySize: p.memorySize,
      timeoutSeconds: p.timeout,
      instanceConcurrency: p.instanceConcurrency,
      ...(p.concurrencyConfig === undefined
        ? {}
        : { reservedConcurrency: p.concurrencyConfig.reservedConcurrency }),
      environment: p.environmentVariables,
      ...(p.role === undefined ? {} : { role: p.role }),
      asyncInvoke: {
        maxRetryAttempts: p.asyncInvokeConfig.maxAsyncRetryAttempts,
        maxEventAgeSeconds: p.asyncInvokeConfig.maxAsyncEventAgeInSeconds,
        ...(destinations?.onFailure ? { onFailure: parseMnsArn(destinations.onFailure.destination) } : {}),
        ...(destinations?.onSuccess ? { onSuccess: parseMnsArn(destinations.onSuccess.destination) } : {}),
      },
      triggers: p.triggers.map(toTrigger),
    });
  }
  const buffered = doc.vars.shape === 'buffered';
  const queueRules = buffered
    ? doc.vars.bufferRules.map((rule) => ({
        name: rule.name,
        pattern: rule.pattern,
        queueName: doc.vars.bufferQueue,
      }))
    : [];
  const queues = new Set<string>(queueRules.map((r) => r.queueName));
  for (const fn of functions) {
    if (fn.environment.DEAD_LETTER_QUEUE) queues.add(fn.environment.DEAD_LETTER_QUEUE);
    for (const arn of [fn.asyncInvoke.onFailure, fn.asyncInvoke.onSuccess])
      if (arn?.kind === 'queue') queues.add(arn.name);
    for (const t of fn.triggers) {
      if (t.kind === 'mns-stream') {
        queues.add(t.queueName);
        if (t.deadLetterQueue) queues.add(t.deadLetterQueue.name);
      }
    }
  }
  const failures = {
    topic: doc.vars.deadLetterTopic,
    retainedQueue: doc.vars.retainedQueue,
    alertQueue: doc.vars.alertQueue,
  };
  queues.add(failures.retainedQueue);
  queues.add(failures.alertQueue);
  return {
    name: doc.name,
    shape: doc.vars.shape,
    region: doc.vars.region,
    failures,
    functions,
    queueRules,
    queues: [...queues],
  };
}

type TriggerDocument =
  | z.infer<typeof eventBridgeTrigger>
  | z.infer<typeof mnsTopicTrigger>
  | z.infer<typeof timerTrigger>;

function toTrigger(t: TriggerDocument): Trigger {
  if (t.triggerType === 'mns_topic') {
    return {
      kind: 'mns-topic',
      name: t.triggerName,
      topic: parseMnsArn(t.sourceArn),
      notifyContentFormat: t.triggerConfig.notifyContentFormat,
      notifyStrategy: t.triggerConfig.notifyStrategy,
      ...(t.triggerConfig.filterTag ? { filterTag: t.triggerConfig.filterTag } : {}),
    };
  }
  if (t.triggerType === 'timer') {
    return {
      kind: 'timer',
      name: t.triggerName,
      everySeconds: everySeconds(t.triggerConfig.cronExpression, t.triggerName),
      enabled: t.triggerConfig.enable,
      ...(t.triggerConfig.payload === undefined ? {} : { payload: t.triggerConfig.payload }),
    };
  }
  const c = t.triggerConfig;
  const eventSchema = c.eventSinkConfig.deliveryOption.eventSchema ?? 'CloudEvents';
  const mns = c.eventSourceConfig.eventSourceParameters.sourceMNSParameters;
  if (c.eventSourceConfig.eventSourceType === 'Default' || mns === undefined) {
    return {
      kind: 'default-bus',
      name: t.triggerName,
      pattern: c.eventRuleFilterPattern,
      asyncInvocationType: c.asyncInvocationType,
      enabled: c.triggerEnable,
      eventSchema,
    };
  }
  const r = c.runOptions;
  return {
    kind: 'mns-stream',
    name: t.triggerName,
    queueName: mns.QueueName,
    isBase64Decode: mns.IsBase64Decode ?? true,
    asyncInvocationType: c.asyncInvocationType,
    enabled: c.triggerEnable,
    eventSchema,
    batch: {
      maxEvents: r.batchWindow?.CountBasedWindow ?? 1,
      windowSeconds: r.batchWindow?.TimeBasedWindow ?? 0,
    },
    retryStrategy: r.retryStrategy?.PushRetryStrategy ?? 'BACKOFF_RETRY',
    errorsTolerance: r.errorsTolerance ?? 'NONE',
    ...(r.deadLetterQueue ? { deadLetterQueue: parseMnsArn(r.deadLetterQueue.Arn) } : {}),
  };
}

/** `@every 30s`, `@every 5m`, `@every 1h` (FC's interval form); cron expressions do not run locally. */
function everySeconds(expression: string, trigger: string): number {
  const match = /^@every\s+(\d+)\s*([smh])$/.exec(expression.trim());
  if (match === null)
    throw new Error(
      `timer trigger "${trigger}": only "@every <n>s|m|h" runs locally, not ${JSON.stringify(expression)}`,
    );
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

function parseOrThrow<T>(schema: z.ZodMiniType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${where} cannot run locally:\n  ${issues.join('\n  ')}`);
}
