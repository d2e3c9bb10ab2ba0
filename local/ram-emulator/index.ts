import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { startHttpServer } from '../http/http-server.js';
import { createRamHandler } from './ram-server.js';
import { type NewRole, RamState } from './ram-state.js';

export interface RamEmulatorOptions {
  /** The account the roles belong to (their ARNs name it). */
  accountId: string;
  /** AccessKeys (and STS tokens) the emulator accepts. */
  credentials: CredentialStore;
  /** The roles: a state to share (the ECS emulator's `state.ram`), or roles to start one with. */
  state?: RamState;
  roles?: readonly NewRole[];
  /** Other accounts' roles (the ECS emulator's `accounts.get(id)?.ram`): each key reads its own account's. */
  stateFor?: (accountId: string) => RamState | undefined;
  calls?: CallLog;
  /** 0 (default) picks a free port on 127.0.0.1. */
  port?: number;
  /** Server clock (ms since epoch) for the timestamp check; `Date.now` by default. */
  now?: () => number;
}

export interface RamEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`: the `endpoint` to give `@alicloud/ram20150501` (with `protocol: 'http'`). */
  readonly host: string;
  readonly port: number;
  readonly state: RamState;
  readonly calls: CallLog;
  close(): Promise<void>;
}

/** Starts the RAM API emulator (GetRole) on 127.0.0.1. */
export async function startRamEmulator(options: RamEmulatorOptions): Promise<RamEmulator> {
  const now = options.now ?? Date.now;
  const state = options.state ?? new RamState(options.accountId, [], now);
  for (const role of options.roles ?? []) state.addRole(role);
  const calls = options.calls ?? new CallLog();
  const server = await startHttpServer(
    createRamHandler({
      state,
      credentials: options.credentials,
      calls,
      now,
      ...(options.stateFor === undefined ? {} : { stateFor: options.stateFor }),
    }),
    options.port ?? 0,
  );
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    state,
    calls,
    close: () => server.close(),
  };
}

export { RAM_ERRORS, type RamErrorCode } from './ram-errors.js';
export { RAM_API_VERSION } from './ram-server.js';
export type { NewRole, RamRole } from './ram-state.js';
export { RamState } from './ram-state.js';
