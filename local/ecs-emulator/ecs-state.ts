import { isInstanceId, isRegionId } from '../../shared/ecs/ids.js';
import { type NewRole, RamState } from '../ram-emulator/ram-state.js';
import type { Seed, SeedInstance } from '../seed.js';

export type InstanceStatus = SeedInstance['status'];
export type NetworkType = SeedInstance['network'];

export interface EcsInstance {
  id: string;
  region: string;
  status: InstanceStatus;
  network: NetworkType;
  tags: Record<string, string>;
  /** The attached instance RAM role, or null. */
  role: string | null;
  /**
   * Whether the API sees the instance yet. Real ECS is eventually consistent: a just-launched instance exists
   * (and emits events) a little before Describe calls and Attach find it. Seeded instances are visible at once.
   */
  visible: boolean;
  /** InstanceName (DescribeInstances answers the id when none was given). */
  name?: string;
  instanceType?: string;
  /** When RunInstances created it (ms since epoch); null for seeded instances. */
  launchedAt: number | null;
  /** When it first got a RAM role by any path (ms since epoch); null while it never had one. */
  firstRoleAt: number | null;
}

/** A RAM role as ECS sees it: it exists, and its trust policy lets ECS assume it or not (read from RAM). */
export interface EcsRole {
  name: string;
  /** Whether the role's trust policy lets `ecs.aliyuncs.com` assume it (else attaching fails with NotEcsRole). */
  trustsEcs: boolean;
}

export interface NewInstance {
  id: string;
  region: string;
  status?: InstanceStatus;
  network?: NetworkType;
  tags?: Record<string, string>;
  role?: string | null;
  /** Default true; RunInstances adds instances invisible until the visibility lag has passed. */
  visible?: boolean;
  name?: string;
  instanceType?: string;
  launchedAt?: number | null;
}

/**
 * The emulated account's instances, in memory, and its RAM roles as ECS sees them: the roles live in `ram` (the
 * RAM emulator's state, shared when a sandbox runs both), so a trust policy changed there changes what Attach
 * answers. Readers get copies, so a test can only change state through the methods here (as the API actions do).
 */
export class EcsState {
  readonly accountId: string;
  /** The account's RAM roles and their trust policies. */
  readonly ram: RamState;
  readonly #instances = new Map<string, EcsInstance>();
  /** Roles each instance has held (see `rolesHeld`). */
  readonly #held = new Map<string, string[]>();
  readonly #now: () => number;

  /**
   * `now` stamps `firstRoleAt` (ms since epoch; `Date.now` by default). Without `ram`, the seed's roles make a
   * RAM state of its own; with one, the seed's roles are added to it.
   */
  constructor(seed: Seed, now: () => number = Date.now, ram?: RamState) {
    this.accountId = seed.accountId;
    this.#now = now;
    this.ram = ram ?? new RamState(seed.accountId, [], now);
    for (const role of seed.roles) this.addRole(role);
    for (const instance of seed.instances) this.addInstance(instance);
  }

  /** A copy of one instance, or undefined. */
  instance(id: string): EcsInstance | undefined {
    const found = this.#instances.get(id);
    return found && copy(found);
  }

  /** Copies of every instance, in the order they were added (the order Describe* calls list them). */
  instances(): EcsInstance[] {
    return [...this.#instances.values()].map(copy);
  }

  role(name: string): EcsRole | undefined {
    return this.ram.role(name) && { name, trustsEcs: this.ram.trustsEcs(name) };
  }

  roles(): EcsRole[] {
    return this.ram.roles().map((r) => ({ name: r.roleName, trustsEcs: this.ram.trustsEcs(r.roleName) }));
  }

  /** instanceId → attached role (null when none), for printing and asserting the end state. */
  roleAssignments(): Record<string, string | null> {
    return Object.fromEntries([...this.#instances.values()].map((i) => [i.id, i.role]));
  }

  addInstance(input: NewInstance): EcsInstance {
    if (!isInstanceId(input.id)) throw new Error(`not an instance id: ${JSON.stringify(input.id)}`);
    if (!isRegionId(input.region)) throw new Error(`not a region id: ${JSON.stringify(input.region)}`);
    if (this.#instances.has(input.id)) throw new Error(`instance ${input.id} already exists`);
    const instance: EcsInstance = {
      id: input.id,
      region: input.region,
      status: input.status ?? 'Running',
      network: input.network ?? 'vpc',
      tags: { ...input.tags },
      role: input.role ?? null,
      visible: input.visible ?? true,
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.instanceType === undefined ? {} : { instanceType: input.instanceType }),
      launchedAt: input.launchedAt ?? null,
      firstRoleAt: input.role ? this.#now() : null,
    };
    this.#instances.set(instance.id, instance);
    if (instance.role !== null) this.#held.set(instance.id, [instance.role]);
    return copy(instance);
  }

  /** Every role the instance has held, in the order it got them (the chaos tests' "never a wrong role"). */
  rolesHeld(instanceId: string): readonly string[] {
    return this.#held.get(instanceId) ?? [];
  }

  /** Creates a role in RAM (trusting ECS unless `trustsEcs: false` or a `trustPolicy` says otherwise). */
  addRole(input: NewRole): EcsRole {
    const role = this.ram.addRole(input);
    return { name: role.roleName, trustsEcs: this.ram.trustsEcs(role.roleName) };
  }

  /** Replaces an instance's tags (as TagResources/UntagResources would leave them). */
  setTags(instanceId: string, tags: Record<string, string>): void {
    this.#get(instanceId).tags = { ...tags };
  }

  /** Sets or clears the attached role directly, bypassing the API's checks. */
  setRole(instanceId: string, role: string | null): void {
    const instance = this.#get(instanceId);
    instance.role = role;
    if (role !== null && instance.firstRoleAt === null) instance.firstRoleAt = this.#now();
    if (role !== null) {
      const held = this.#held.get(instanceId);
      if (held === undefined) this.#held.set(instanceId, [role]);
      else if (held.at(-1) !== role) held.push(role);
    }
  }

  /** Makes an instance visible to the API (or hides it again). */
  setVisible(instanceId: string, visible: boolean): void {
    this.#get(instanceId).visible = visible;
  }

  setStatus(instanceId: string, status: InstanceStatus): void {
    this.#get(instanceId).status = status;
  }

  /** Rewrites the role's trust policy in RAM to name ECS or not. */
  setRoleTrustsEcs(roleName: string, trustsEcs: boolean): void {
    this.ram.setTrustsEcs(roleName, trustsEcs);
  }

  #get(instanceId: string): EcsInstance {
    const instance = this.#instances.get(instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    return instance;
  }
}

function copy(instance: EcsInstance): EcsInstance {
  return { ...instance, tags: { ...instance.tags } };
}
