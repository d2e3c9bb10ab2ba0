/** What the reconciler needs from ECS, as plain data. The SDK-backed implementation is `SdkEcsGateway`. */

export interface InstanceState {
  instanceId: string;
  regionId: string;
  /** Pending, Starting, Running, Stopping, Stopped… */
  status: string;
  /** `vpc` or `classic` */
  networkType: string;
  tags: Readonly<Record<string, string>>;
}

/** One row of DescribeInstanceRamRole. */
export interface InstanceRole {
  instanceId: string;
  /** `null`: the row says the instance has no role (`RamRoleName` empty or absent, cloud-facts ECS-7). */
  roleName: string | null;
}

/** One page of DescribeInstanceRamRole, as it came. */
export interface RolePage {
  rows: InstanceRole[];
  /** Rows on this page, those without an instance id too: what paging goes by (cloud-facts ECS-7). */
  rowCount: number;
  /** The answer's `TotalCount`, when it had one (cloud-facts ECS-8). */
  totalCount?: number;
}

/** One instance's part of a batch write that answered HTTP 200. */
export interface InstanceResult {
  instanceId: string;
  ok: boolean;
  /** `"200"` on success, else the error code (e.g. `InvalidRamRole.NotEcsRole`). */
  code: string;
  message: string;
}

export interface WriteResult {
  requestId: string;
  results: InstanceResult[];
}

/** One page of a region's instances (DescribeInstances by `NextToken`). */
export interface InstancePage {
  instances: InstanceState[];
  /** The token of the next page; `null` when this was the last (ECS answers `""` or nothing: cloud-facts SW-1). */
  nextToken: string | null;
}

export interface CallOptions {
  /** Longest this call may take (connect + read); the caller derives it from the deadline. */
  timeoutMs: number;
}

/** DescribeInstances, AttachInstanceRamRole, DetachInstanceRamRole (cloud-facts ECS-1 to ECS-3). */
export const MAX_IDS_PER_CALL = 100;
/** DescribeInstances' largest `MaxResults` (cloud-facts SW-1). */
export const MAX_RESULTS_PER_PAGE = 100;
/** DescribeInstanceRamRole (cloud-facts ECS-4). */
export const MAX_IDS_PER_ROLE_READ = 50;
/** DescribeInstanceRamRole's largest `PageSize` (cloud-facts ECS-6). */
export const MAX_ROLE_PAGE_SIZE = 50;

/** The ECS action each gateway method calls: the unit ECS limits (with the region). */
export type EcsAction =
  | 'DescribeInstances'
  | 'DescribeInstanceRamRole'
  | 'AttachInstanceRamRole'
  | 'DetachInstanceRamRole';

export interface EcsGateway {
  /**
   * How long a call of `action` in the region would wait now for a client-side rate budget, ms; absent or 0:
   * none. The coalescer keeps a shared call open to more callers for that long instead of queueing calls.
   */
  budgetWaitMs?(regionId: string, action: EcsAction): number;
  /** ≤ 100 ids. Instances that do not exist (or are not visible yet) are simply absent. */
  describeInstances(
    regionId: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<InstanceState[]>;
  /**
   * One page of every instance in the region, `MaxResults` 100; `nextToken` `null` starts at the beginning. A
   * token ECS no longer takes fails the call (cloud-facts SW-2, SW-3).
   */
  listInstances(regionId: string, nextToken: string | null, options: CallOptions): Promise<InstancePage>;
  /** ≤ 50 ids, one page of ≤ 50 rows (a row may say "no role"); `totalCount` tells whether more pages follow. */
  describeInstanceRoles(
    regionId: string,
    instanceIds: readonly string[],
    pageNumber: number,
    options: CallOptions,
  ): Promise<RolePage>;
  /** ≤ 100 ids. Request-level failures throw; per-instance failures come back in `results`. */
  attachRole(
    regionId: string,
    roleName: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult>;
  /** ≤ 100 ids; only detaches `roleName` (an instance holding another role fails instead). */
  detachRole(
    regionId: string,
    roleName: string,
    instanceIds: readonly string[],
    options: CallOptions,
  ): Promise<WriteResult>;
}
