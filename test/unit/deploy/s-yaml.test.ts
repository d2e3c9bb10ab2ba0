import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { renderServerlessYaml } from '../../../local/deployment/render-s-yaml.js';

const ACCOUNT = '1234567890123456';
const schema = JSON.parse(
  readFileSync(new URL('../../fixtures/schema/fc3-schema.json', import.meta.url), 'utf8'),
);
// fc3's schema is draft-07 with `default`s; strict mode would reject its vendor keywords.
const ajv = new Ajv.default({ allErrors: true, strict: false });
const validateProps = ajv.compile(schema);
const validateEventBridge = ajv.compile({
  definitions: schema.definitions,
  $ref: '#/definitions/IEventBridge',
});

const render = (env: Record<string, string>) =>
  renderServerlessYaml('s.yaml', {
    accountId: ACCOUNT,
    env: { FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher`, ...env },
  });

const fc3Resources = (rendered: Record<string, unknown>) =>
  Object.entries(
    rendered.resources as Record<string, { component: string; props: Record<string, unknown> }>,
  ).filter(([, r]) => r.component === 'fc3');

describe.each(['direct', 'buffered'])('s.yaml, %s shape', (shape) => {
  const rendered = render({ DEPLOY_SHAPE: shape });

  it('is Serverless Devs edition 3.0.0 with at least one fc3 resource', () => {
    expect(rendered.edition).toBe('3.0.0');
    expect(fc3Resources(rendered).length).toBeGreaterThan(0);
  });

  it('every fc3 resource’s props validate against the fc3 component schema', () => {
    for (const [name, resource] of fc3Resources(rendered)) {
      const ok = validateProps(resource.props);
      expect(ok ? [] : validateProps.errors, `resources.${name}.props`).toEqual([]);
    }
  });

  it('every EventBridge trigger validates as an EventBridge trigger (not just any anyOf branch)', () => {
    for (const [, resource] of fc3Resources(rendered)) {
      const triggers = resource.props.triggers as { triggerType: string; triggerConfig: unknown }[];
      expect(triggers.length).toBeGreaterThan(0);
      for (const trigger of triggers.filter((t) => t.triggerType === 'eventbridge')) {
        const ok = validateEventBridge(trigger.triggerConfig);
        expect(ok ? [] : validateEventBridge.errors).toEqual([]);
      }
    }
  });

  it('attach-role publishes failures, and FC its onFailure records, to the same MNS topic', () => {
    const deployment = loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });
    const attachRole = deployment.functions.find((f) => f.resource === 'attach-role');
    expect(attachRole?.environment.DEAD_LETTER_TOPIC).toBe(deployment.failures.topic);
    expect(attachRole?.asyncInvoke.onFailure).toEqual({
      region: 'cn-hangzhou',
      accountId: ACCOUNT,
      kind: 'topic',
      name: deployment.failures.topic,
    });
  });

  it('the alert function is triggered by that topic and drains the alert queue, with a sweep timer', () => {
    const deployment = loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });
    const alert = deployment.functions.find((f) => f.resource === 'dead-letter-alert');
    expect(alert?.environment.ALERT_QUEUE).toBe(deployment.failures.alertQueue);
    expect(alert?.triggers).toEqual([
      {
        kind: 'mns-topic',
        name: 'failures',
        topic: { region: 'cn-hangzhou', accountId: ACCOUNT, kind: 'topic', name: deployment.failures.topic },
        notifyContentFormat: 'STREAM',
        notifyStrategy: 'BACKOFF_RETRY',
      },
      { kind: 'timer', name: 'sweep', everySeconds: 300, enabled: true, payload: '{"sweep":true}' },
    ]);
  });

  it('the alert function runs one instance at a time, one invocation each, and leases its drains', () => {
    const deployment = loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });
    const alert = deployment.functions.find((f) => f.resource === 'dead-letter-alert');
    expect(alert).toMatchObject({ reservedConcurrency: 1, instanceConcurrency: 1 });
    expect(alert?.environment.ALERT_LEASE_QUEUE).toBe(`${deployment.failures.alertQueue}-lease`);
  });

  it('attach-role runs on a custom runtime, concurrently, its server told the same timeout (CO-2, CR-1 … CR-4)', () => {
    const deployment = loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });
    const attach = deployment.functions.find((f) => f.resource === 'attach-role');
    expect(attach).toMatchObject({
      runtime: 'custom.debian10',
      customRuntime: { command: ['/var/fc/lang/nodejs20/bin/node'], port: 9000 },
      instanceConcurrency: 100,
    });
    expect(attach?.customRuntime?.args.at(-1)).toBe('server.mjs');
    expect(attach?.environment.FUNCTION_TIMEOUT_SECONDS).toBe(String(attach?.timeoutSeconds));
    // The server it starts is the one the build writes beside the handler.
    expect(readFileSync('tools/build.ts', 'utf8')).toMatch(/name: 'attach-role', policy: true, server: true/);
  });

  it('attach-role’s Node.js heap is bounded within its memorySize (ME-1)', () => {
    const attach = loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    }).functions.find((f) => f.resource === 'attach-role');
    const args = attach?.customRuntime?.args ?? [];
    const flag = (name: string) => {
      const value = args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
      return value === undefined ? Number.NaN : Number(value);
    };
    // Flags after the script would be the script's arguments, not Node's.
    expect(args.indexOf('server.mjs')).toBe(args.length - 1);
    const semi = flag('max-semi-space-size');
    const old = flag('max-old-space-size');
    expect(semi).toBeGreaterThan(0);
    expect(old).toBeGreaterThan(0);
    // V8's young generation is three semi-spaces at most; the rest of the instance is code, Buffers and Node.
    expect(3 * semi + old).toBeLessThan(attach?.memorySize ?? 0);
  });
});

describe('the deployment shapes', () => {
  const load = (shape: string) =>
    loadDeployment({
      accountId: ACCOUNT,
      env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: 'acs:ram::1:role/x' },
    });

  it('direct: one default-bus trigger per pattern in deploy/patterns, asyncInvocationType true', () => {
    const d = load('direct');
    const all = d.functions.find((f) => f.resource === 'attach-role')?.triggers ?? [];
    expect(all.map((t) => [t.kind, t.name])).toEqual([
      ['default-bus', 'instance-running'],
      ['default-bus', 'instance-running-cms'],
      ['default-bus', 'ecs-api-calls'],
      ['default-bus', 'tag-changes'],
      ['timer', 'sweep'],
    ]);
    const triggers = all.filter((t) => t.kind !== 'timer');
    expect(triggers.every((t) => t.kind === 'default-bus' && t.asyncInvocationType && t.enabled)).toBe(true);
    expect(d.queueRules).toEqual([]);
  });

  it('buffered: the same patterns feed the buffer queue, read by one event-streaming trigger with a batch window and its own DLQ', () => {
    const d = load('buffered');
    const direct = load('direct');
    expect(d.queueRules.map((r) => r.pattern)).toEqual(
      (direct.functions.find((f) => f.resource === 'attach-role')?.triggers ?? [])
        .filter((t) => t.kind === 'default-bus')
        .map((t) => (t.kind === 'default-bus' ? t.pattern : undefined)),
    );
    const [trigger] = d.functions.find((f) => f.resource === 'attach-role')?.triggers ?? [];
    expect(trigger).toMatchObject({
      kind: 'mns-stream',
      queueName: d.queueRules[0]?.queueName,
      batch: { maxEvents: 250, windowSeconds: 1 },
      deadLetterQueue: { kind: 'queue', name: 'ram-role-attacher-events-dlq' },
    });
  });

  it.each(['direct', 'buffered'])(
    'attach-role sweeps the fleet on a timer and once after every deploy (post-deploy), with its lease queue (%s)',
    (shape) => {
      const rendered = render({ DEPLOY_SHAPE: shape });
      const attach = (
        rendered.resources as Record<
          string,
          { actions: Record<string, { component?: string }[]>; props: Record<string, unknown> }
        >
      )['attach-role'];
      expect(attach?.actions['post-deploy']?.[0]?.component).toMatch(
        /^fc3 invoke --invocation-type async --event '\{"ram-role-attacher":"sweep"\}'$/,
      );
      const triggers = attach?.props.triggers as {
        triggerType: string;
        triggerConfig: Record<string, unknown>;
      }[];
      expect(triggers.filter((t) => t.triggerType === 'timer')).toEqual([
        expect.objectContaining({
          triggerConfig: {
            cronExpression: '@every 60m',
            enable: true,
            payload: '{"ram-role-attacher":"sweep"}',
          },
        }),
      ]);
      expect(attach?.props.environmentVariables).toMatchObject({
        SWEEP_SCHEDULE: '@every 60m',
        SWEEP_CALLS_PER_SECOND: '5',
        SWEEP_LEASE_QUEUE: 'ram-role-attacher-sweep-lease',
      });
    },
  );

  it('either reading of asyncInvocationType has somewhere to hold a failed event (cloud-facts FT-1, FT-3, FT-4)', () => {
    // Async: the function's onFailure destination. Sync: the trigger's own dead-letter queue — which the default
    // bus's triggers cannot have, so their runOptions say nothing but the mode (the README says what covers it).
    for (const shape of ['direct', 'buffered']) {
      const attachRole = load(shape).functions.find((f) => f.resource === 'attach-role');
      expect(attachRole?.asyncInvoke.onFailure?.kind).toBe('topic');
    }
    const buffered = load('buffered').functions.find((f) => f.resource === 'attach-role')?.triggers[0];
    expect(buffered).toMatchObject({
      kind: 'mns-stream',
      errorsTolerance: 'ALL',
      deadLetterQueue: { kind: 'queue' },
    });
    const direct = fc3Resources(render({ DEPLOY_SHAPE: 'direct' })).flatMap(
      ([, r]) => r.props.triggers as { triggerType: string; triggerConfig: { runOptions: unknown } }[],
    );
    for (const trigger of direct.filter((t) => t.triggerType === 'eventbridge')) {
      expect(trigger.triggerConfig.runOptions).toEqual({ mode: 'event-driven' });
    }
  });

  it('an unknown shape fails by naming the file it looked for', () => {
    expect(() => load('sideways')).toThrow(/triggers-sideways\.yaml/);
  });
});

describe('handlers named in s.yaml exist in the built bundles', () => {
  it.each(['direct', 'buffered'])('%s', (shape) => {
    for (const [, resource] of fc3Resources(render({ DEPLOY_SHAPE: shape }))) {
      const [file, exported] = String(resource.props.handler).split('.') as [string, string];
      const module = join(String(resource.props.code), `${file}.mjs`);
      // A fresh process with the FC environment, as FC loads it (cold start reads config and policy).
      const probe = `const m = await import(${JSON.stringify(`${process.cwd()}/${module}`)}); process.stdout.write(typeof m[${JSON.stringify(exported)}]);`;
      const type = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        env: {
          PATH: process.env.PATH,
          FC_FUNC_CODE_PATH: String(resource.props.code),
          ...(resource.props.environmentVariables as Record<string, string>),
          // s.yaml leaves the alert targets to the deployer; the alert function refuses to start with none.
          ALERT_WEBHOOK: 'https://alerts.example.com/hook',
        },
        encoding: 'utf8',
      });
      expect(type).toBe('function');
    }
  });
});
