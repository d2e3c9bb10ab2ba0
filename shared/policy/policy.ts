/** A validated tag policy (`policy.yaml`). Built only by `loadPolicy`, which rejects anything invalid. */
export interface Policy {
  version: 1;
  mode: 'enforce' | 'dry-run';
  onExistingRole: 'keep' | 'replace-managed' | 'replace';
  /** Dead-letter a `conflict` record for instances whose other role the policy keeps. Default false. */
  reportConflicts: boolean;
  allowedRoles: readonly string[];
  /** When set, instances in other regions are skipped. */
  regions?: readonly string[];
  /**
   * The member accounts the policy names (`accounts:`). When set, an instance in another account is skipped
   * (reason `account`); an account's own `regions` narrow the policy's for it.
   */
  accounts?: readonly PolicyAccount[];
  rules: readonly Rule[];
}

/** One entry of `accounts:`. */
export interface PolicyAccount {
  id: string;
  name?: string;
  /** When set, this account's instances elsewhere are skipped (within the policy's `regions`, if any). */
  regions?: readonly string[];
}

/** A tag condition: exact value (or glob when it has `*`/`?`), any of a list, or presence. */
export type TagCondition =
  | { kind: 'equals'; value: string }
  | { kind: 'glob'; pattern: string }
  | { kind: 'any-of'; values: readonly string[] }
  | { kind: 'present'; present: boolean };

export interface RuleCondition {
  tags: Readonly<Record<string, TagCondition>>;
  regions?: readonly string[];
  /** Account ids (UIDs) the rule is limited to; an instance whose account is not known matches none. */
  accounts?: readonly string[];
}

export type RuleEffect =
  | { kind: 'role'; role: string }
  | { kind: 'role-from-tag'; tagKey: string }
  | { kind: 'skip' };

export interface Rule {
  name: string;
  when: RuleCondition;
  effect: RuleEffect;
}

/** What the policy knows about an instance: its tags now and where it lives. */
export interface InstanceFacts {
  instanceId: string;
  regionId: string;
  /** The account the instance lives in; absent for a single-account deployment. */
  accountId?: string;
  tags: Readonly<Record<string, string>>;
}

export type Decision =
  | { action: 'attach'; role: string; rule: string }
  | { action: 'skip'; reason: 'policy'; rule: string }
  | { action: 'skip'; reason: 'region' }
  /** The policy lists `accounts:` and the instance's account is not one of them. */
  | { action: 'skip'; reason: 'account' }
  | { action: 'no-rule' }
  /** The rule named a role the policy does not allow (e.g. a `ram-role` tag naming an admin role). */
  | { action: 'refused'; role: string; rule: string; reason: string };
