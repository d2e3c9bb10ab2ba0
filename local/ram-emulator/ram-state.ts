import { createHash } from 'node:crypto';
import { isRoleName } from '../../shared/ecs/ids.js';
import { ECS_SERVICE, readTrustPolicy, serviceTrustPolicy } from '../../shared/ram/trust-policy.js';

/** A RAM role as GetRole returns it (cloud-facts RM-1), its trust policy kept as the JSON text RAM stores. */
export interface RamRole {
  roleName: string;
  roleId: string;
  arn: string;
  assumeRolePolicyDocument: string;
  description: string;
  maxSessionDuration: number;
  createDate: string;
  updateDate: string;
}

export interface NewRole {
  name: string;
  /** The trust policy, as JSON text or an object; without one, `trustsEcs` picks one. */
  trustPolicy?: string | Record<string, unknown>;
  /** Without `trustPolicy`: trust ecs.aliyuncs.com (default) or only the account itself. */
  trustsEcs?: boolean;
  description?: string;
}

/** GetRole's timestamps: `2015-01-23T12:33:18Z`, seconds, UTC. */
const rpcTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The emulated account's RAM roles, in memory: what the RAM emulator answers and what the ECS emulator's role
 * checks read, so `InvalidRamRole.NotEcsRole` follows from the trust policy as in the cloud (cloud-facts RAM-3).
 * Readers get copies.
 */
export class RamState {
  readonly accountId: string;
  readonly #roles = new Map<string, RamRole>();
  readonly #now: () => number;

  constructor(accountId: string, roles: readonly NewRole[] = [], now: () => number = Date.now) {
    this.accountId = accountId;
    this.#now = now;
    for (const role of roles) this.addRole(role);
  }

  /** A trust policy that does not name ECS: only the account's own identities may assume the role. */
  accountTrustPolicy(): string {
    return JSON.stringify({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { RAM: [`acs:ram::${this.accountId}:root`] },
        },
      ],
      Version: '1',
    });
  }

  role(name: string): RamRole | undefined {
    const found = this.#roles.get(name);
    return found && { ...found };
  }

  roles(): RamRole[] {
    return [...this.#roles.values()].map((r) => ({ ...r }));
  }

  /** Whether the role's trust policy lets ECS assume it (a conditional trust counts: cloud-facts RM-5). */
  trustsEcs(name: string): boolean {
    const role = this.#roles.get(name);
    if (role === undefined) return false;
    const reading = readTrustPolicy(role.assumeRolePolicyDocument);
    return reading.ok && reading.trust(ECS_SERVICE).trusted;
  }

  /** Creates (or replaces) a role. */
  addRole(input: NewRole): RamRole {
    if (!isRoleName(input.name)) throw new Error(`not a RAM role name: ${JSON.stringify(input.name)}`);
    const document =
      input.trustPolicy === undefined
        ? (input.trustsEcs ?? true)
          ? JSON.stringify(serviceTrustPolicy([ECS_SERVICE]))
          : this.accountTrustPolicy()
        : typeof input.trustPolicy === 'string'
          ? input.trustPolicy
          : JSON.stringify(input.trustPolicy);
    const at = rpcTime(this.#now());
    const role: RamRole = {
      roleName: input.name,
      roleId: roleId(this.accountId, input.name),
      arn: `acs:ram::${this.accountId}:role/${input.name}`,
      assumeRolePolicyDocument: document,
      description: input.description ?? '',
      maxSessionDuration: 3600,
      createDate: at,
      updateDate: at,
    };
    this.#roles.set(role.roleName, role);
    return { ...role };
  }

  /** Replaces a role's trust policy (UpdateRole's NewAssumeRolePolicyDocument). */
  setTrustPolicy(name: string, document: string | Record<string, unknown>): void {
    const role = this.#get(name);
    role.assumeRolePolicyDocument = typeof document === 'string' ? document : JSON.stringify(document);
    role.updateDate = rpcTime(this.#now());
  }

  /**
   * Makes the trust policy name ECS (adding it to the services already trusted) or drop it (keeping the others,
   * else trusting only the account): what someone fixing or breaking the role in the console would leave.
   */
  setTrustsEcs(name: string, trustsEcs: boolean): void {
    const role = this.#get(name);
    if (this.trustsEcs(name) === trustsEcs) return;
    const others = this.#services(role).filter((s) => s !== ECS_SERVICE);
    const services = trustsEcs ? [...others, ECS_SERVICE] : others;
    this.setTrustPolicy(
      name,
      services.length > 0 ? JSON.stringify(serviceTrustPolicy(services)) : this.accountTrustPolicy(),
    );
  }

  /** The services an Allow statement names, lower-cased (for rewriting only). */
  #services(role: RamRole): string[] {
    try {
      const parsed = JSON.parse(role.assumeRolePolicyDocument) as { Statement?: unknown };
      const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
      return statements.flatMap((s) => {
        const service = (s as { Effect?: unknown; Principal?: { Service?: unknown } } | null)?.Principal
          ?.Service;
        if ((s as { Effect?: unknown } | null)?.Effect !== 'Allow') return [];
        return (Array.isArray(service) ? service : [service]).filter(
          (v): v is string => typeof v === 'string',
        );
      });
    } catch {
      return [];
    }
  }

  #get(name: string): RamRole {
    const role = this.#roles.get(name);
    if (!role) throw new Error(`no RAM role ${name}`);
    return role;
  }
}

/** A stable 16-digit role id per account and name, as RAM's look (`901234567890****`). */
function roleId(accountId: string, name: string): string {
  const digest = createHash('sha256').update(`${accountId}/${name}`).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '3');
}
