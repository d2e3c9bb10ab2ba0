/**
 * The names the RAM documents need, read from s.yaml rendered exactly as `s deploy` renders it (the renderer the
 * sandbox uses, with the caller's environment): the functions' names and region, where attach-role sends its
 * failures, and the queues the alert function drains and leases. Nothing here repeats s.yaml's defaults.
 */
import * as z from 'zod/mini';
import { parseMnsArn } from '../../../local/deployment/mns-arn.js';
import { renderServerlessYaml } from '../../../local/deployment/render-s-yaml.js';
import type { MnsTarget } from './ram-documents.js';

/** The s.yaml resources of the two functions. */
export const ATTACH_RESOURCE = 'attach-role';
export const ALERT_RESOURCE = 'dead-letter-alert';

export interface DeploymentNames {
  region: string;
  attach: { functionName: string; roleName?: string; failureTargets: MnsTarget[]; leaseQueue?: MnsTarget };
  alert: { functionName: string; roleName?: string; queue: MnsTarget; leaseQueue?: MnsTarget };
}

const functionProps = z.object({
  region: z.string(),
  functionName: z.string(),
  role: z.optional(z.string()),
  environmentVariables: z._default(z.record(z.string(), z.string()), {}),
  asyncInvokeConfig: z.optional(
    z.object({
      destinationConfig: z.optional(
        z.object({ onFailure: z.optional(z.object({ destination: z.string() })) }),
      ),
    }),
  ),
});

const document = z.object({
  resources: z.record(z.string(), z.object({ props: z.unknown() })),
});

/** The most variables without a default we fill in to render; s.yaml has a handful. */
const MAX_PLACEHOLDERS = 50;

/**
 * Renders s.yaml; a variable s.yaml requires without a default (a role ARN that does not exist before these
 * documents are used) renders as a `<NAME>` placeholder, since no name read here depends on it.
 */
function render(file: string, accountId: string, env: Record<string, string>): Record<string, unknown> {
  const filled = { ...env };
  for (let attempt = 0; ; attempt++) {
    try {
      return renderServerlessYaml(file, { accountId, env: filled });
    } catch (error) {
      const missing = /env\('([^']+)'\) not found/.exec(error instanceof Error ? error.message : '')?.[1];
      if (missing === undefined || attempt >= MAX_PLACEHOLDERS) throw error;
      filled[missing] = `<${missing}>`;
    }
  }
}

function props(rendered: unknown, resource: string, file: string): z.infer<typeof functionProps> {
  const parsed = document.safeParse(rendered);
  const raw = parsed.success ? parsed.data.resources[resource]?.props : undefined;
  if (raw === undefined) throw new Error(`${file} has no resource "${resource}" with props`);
  const result = functionProps.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(props)').join(', ');
    throw new Error(`${file} resources.${resource}.props: unexpected ${fields}`);
  }
  return result.data;
}

/** The role name of an `acs:ram::<uid>:role/<name>` ARN (the fc3 `role`), when it is one. */
const roleNameOf = (arn: string | undefined): { roleName?: string } => {
  const name = arn === undefined ? undefined : /^acs:ram::[^:]*:role\/([A-Za-z0-9.-]{1,64})$/.exec(arn)?.[1];
  return name === undefined ? {} : { roleName: name };
};

export function readDeploymentNames(
  file: string,
  options: { accountId: string; env?: Record<string, string> },
): DeploymentNames {
  const rendered = render(file, options.accountId, options.env ?? {});
  const attach = props(rendered, ATTACH_RESOURCE, file);
  const alert = props(rendered, ALERT_RESOURCE, file);
  const targets: MnsTarget[] = [];
  const add = (target: MnsTarget): void => {
    if (
      !targets.some((t) => t.kind === target.kind && t.name === target.name && t.region === target.region)
    ) {
      targets.push(target);
    }
  };
  const env = attach.environmentVariables;
  if (env.DEAD_LETTER_TOPIC) add({ kind: 'topic', region: attach.region, name: env.DEAD_LETTER_TOPIC });
  if (env.DEAD_LETTER_QUEUE) add({ kind: 'queue', region: attach.region, name: env.DEAD_LETTER_QUEUE });
  const onFailure = attach.asyncInvokeConfig?.destinationConfig?.onFailure?.destination;
  if (onFailure !== undefined) {
    const arn = parseMnsArn(onFailure);
    add({ kind: arn.kind, region: arn.region, name: arn.name });
  }
  const alertQueue = alert.environmentVariables.ALERT_QUEUE;
  if (!alertQueue)
    throw new Error(`${file} resources.${ALERT_RESOURCE}: no ALERT_QUEUE in environmentVariables`);
  const leaseQueue = alert.environmentVariables.ALERT_LEASE_QUEUE;
  const sweepLease = env.SWEEP_LEASE_QUEUE;
  return {
    region: attach.region,
    attach: {
      functionName: attach.functionName,
      ...roleNameOf(attach.role),
      failureTargets: targets,
      ...(sweepLease ? { leaseQueue: { kind: 'queue', region: attach.region, name: sweepLease } } : {}),
    },
    alert: {
      functionName: alert.functionName,
      ...roleNameOf(alert.role),
      queue: { kind: 'queue', region: alert.region, name: alertQueue },
      ...(leaseQueue ? { leaseQueue: { kind: 'queue', region: alert.region, name: leaseQueue } } : {}),
    },
  };
}
