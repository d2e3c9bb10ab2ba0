/**
 * Where the documentation leaves the real ECS undecided, the emulator can answer either way, so a test can run the
 * function against each. Defaults follow the likeliest reading; each row of `docs/cloud-facts.md` named here says
 * why.
 */
export interface EcsBehaviour {
  /**
   * DescribeInstanceRamRole: `every-instance` answers a row for every instance asked about, `RamRoleName` `""`
   * for one without a role (what Alibaba's Terraform provider relies on, cloud-facts ECS-7); `with-role-only`
   * answers rows only for instances that have a role (all the documented samples show).
   */
  roleRows: 'every-instance' | 'with-role-only';
  /**
   * Attach/Detach per-instance `Code` on success: `string` `"200"` (the XML sample and the SDK model) or
   * `number` `200` (the API page's JSON sample, cloud-facts ECS-12).
   */
  resultCode: 'string' | 'number';
  /**
   * The per-instance code AttachInstanceRamRole answers for an instance that already has a role. ECS documents
   * only that an error is returned (cloud-facts ECS-16); the default is the emulator's invention.
   */
  alreadyAttachedCode: string;
  /**
   * How long a DescribeInstances `NextToken` stays good, in ms; `null` (the default): for ever. Whether and when
   * real tokens expire is not documented (cloud-facts SW-3); a test sets it to show a sweep restarting a region.
   */
  nextTokenTtlMs: number | null;
}

export const DEFAULT_BEHAVIOUR: Readonly<EcsBehaviour> = {
  roleRows: 'every-instance',
  resultCode: 'string',
  alreadyAttachedCode: 'InvalidRamRole.AlreadyAttached',
  nextTokenTtlMs: null,
};

/** The behaviour to start with: the defaults, with what the options name replaced (checked). */
export function behaviourFrom(options: Partial<EcsBehaviour> = {}): EcsBehaviour {
  const behaviour = { ...DEFAULT_BEHAVIOUR, ...options };
  if (behaviour.roleRows !== 'every-instance' && behaviour.roleRows !== 'with-role-only') {
    throw new Error(
      `roleRows must be "every-instance" or "with-role-only", got ${JSON.stringify(behaviour.roleRows)}`,
    );
  }
  if (behaviour.resultCode !== 'string' && behaviour.resultCode !== 'number') {
    throw new Error(`resultCode must be "string" or "number", got ${JSON.stringify(behaviour.resultCode)}`);
  }
  if (!/^[A-Za-z][\w.]*$/.test(behaviour.alreadyAttachedCode)) {
    throw new Error(
      `alreadyAttachedCode must look like an ECS error code (letters, digits, "." and "_"), got ${JSON.stringify(behaviour.alreadyAttachedCode)}`,
    );
  }
  const ttl = behaviour.nextTokenTtlMs;
  if (ttl !== null && !(Number.isInteger(ttl) && ttl > 0)) {
    throw new Error(
      `nextTokenTtlMs must be a positive whole number of ms or null, got ${JSON.stringify(ttl)}`,
    );
  }
  return behaviour;
}
