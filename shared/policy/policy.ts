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
  rules: readonly Rule[];
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
  tags: Readonly<Record<string, string>>;
}

export type Decision =
  | { action: 'attach'; role: string; rule: string }
  | { action: 'skip'; reason: 'policy'; rule: string }
  | { action: 'skip'; reason: 'region' }
  | { action: 'no-rule' }
  /** The rule named a role the policy does not allow (e.g. a `ram-role` tag naming an admin role). */
  | { action: 'refused'; role: string; rule: string; reason: string };
