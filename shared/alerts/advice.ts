/**
 * What to do about each known failure, written for the person on call. Keyed by error code (a trailing `*`
 * matches a prefix), then by dead-letter kind; the first match wins.
 */
const BY_CODE: readonly [string, (role: string) => string][] = [
  [
    'InvalidRamRole.NotEcsRole',
    (role) =>
      `The trust policy of role ${role} must allow ecs.aliyuncs.com: add it to the role's Principal.Service in RAM, then replay with \`npm run redrive -- --code InvalidRamRole.NotEcsRole\`.`,
  ],
  [
    'InvalidUser.PassRoleForbidden',
    (role) =>
      `Grant the function's own role ram:PassRole on ${role} (acs:ram::<account>:role/${role}), then replay with \`npm run redrive -- --code InvalidUser.PassRoleForbidden\`.`,
  ],
  [
    'InvalidRamRole.NotFound',
    (role) =>
      `Role ${role} does not exist: create it (trusting ecs.aliyuncs.com), or correct the policy or the instances' tags, then replay with redrive.`,
  ],
  [
    'Forbidden.RAM',
    () =>
      "The function's role lacks an ECS permission: grant ecs:DescribeInstances, ecs:DescribeInstanceRamRole, ecs:AttachInstanceRamRole and, for replace, ecs:DetachInstanceRamRole; then replay with redrive.",
  ],
  [
    'InvalidNetworkType.MismatchRamRole',
    () =>
      'Classic-network instances cannot have an instance RAM role; migrate them to a VPC. Nothing to replay.',
  ],
  [
    'Throttling*',
    () =>
      'ECS throttled the function until its deadline. Replay with redrive once the burst is over; if bursts are common, deploy the buffered shape (DEPLOY_SHAPE=buffered).',
  ],
  [
    'InvalidInstanceId.NotFound',
    () =>
      'ECS did not show the instance (deleted, or not visible in time). Replay with redrive: an instance that no longer exists is then skipped.',
  ],
  [
    'DeadLetterUnavailable',
    () =>
      "The function could not write its dead-letter records, so FC kept the event: check that the function's role may mns:PublishMessage on the topic and that the topic exists. Redrive replays the event.",
  ],
  [
    'RoleConflict',
    () =>
      'The instance holds another role that the policy keeps (onExistingRole). Detach it by hand if the tag is right, or change onExistingRole; redrive then attaches the tagged role.',
  ],
];

const BY_KIND: Readonly<Record<string, string>> = {
  'replace-failed':
    'The old role was detached but the new one could not be attached: the instance has no role now. Fix the cause and replay with redrive soon.',
  deadline: 'The invocation ran out of time (ECS slow or throttled). Replay with redrive.',
  poison:
    'An event could not be decoded (a malformed or unexpected event source); the record holds it. Check the event source; poison records are never replayed.',
  'fc-failure':
    'FC gave up on an event after its retries (the function failed or timed out); the record holds the event. Check the function logs for the request id, then replay with redrive.',
  unreadable:
    'A message in the dead-letter queue is neither a dead-letter record nor an FC failure record. Inspect it in the queue.',
};

export function adviceFor(kind: string, code: string, role?: string): string {
  const roleName = role ?? 'the role';
  for (const [pattern, advice] of BY_CODE) {
    const matches = pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern;
    if (matches) {
      const text = advice(roleName);
      return kind === 'replace-failed' ? `${BY_KIND['replace-failed']} ${text}` : text;
    }
  }
  return BY_KIND[kind] ?? 'See the error message; after fixing the cause, replay with `npm run redrive`.';
}
