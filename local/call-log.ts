/** One request an emulator answered. */
export interface CallRecord {
  service: 'ecs' | 'mns' | 'fc' | 'ram' | 'sts' | 'rd';
  /** API action (`AttachInstanceRamRole`) or operation (`SendMessage`). */
  action: string;
  status: number;
  /** Error code when the answer was an error (request-level). */
  code?: string;
  accessKeyId?: string;
  /** Decoded request parameters (ECS) or the queue name (MNS). */
  params: Record<string, string>;
  at: number;
}

/** Every call the emulators answered, so tests can assert how many calls of which action were made. */
export class CallLog {
  readonly records: CallRecord[] = [];

  record(entry: Omit<CallRecord, 'at'>): void {
    this.records.push({ ...entry, at: Date.now() });
  }

  /** Calls of one action (any status when `status` is omitted). */
  count(action: string, filter: { status?: number; code?: string } = {}): number {
    return this.records.filter(
      (r) =>
        r.action === action &&
        (filter.status === undefined || r.status === filter.status) &&
        (filter.code === undefined || r.code === filter.code),
    ).length;
  }

  /** Calls per action, e.g. `{DescribeInstances: 10, AttachInstanceRamRole: 12}`. */
  byAction(service?: CallRecord['service']): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.records) {
      if (service === undefined || r.service === service) counts[r.action] = (counts[r.action] ?? 0) + 1;
    }
    return counts;
  }

  clear(): void {
    this.records.length = 0;
  }
}
