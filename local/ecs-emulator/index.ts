import { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { startHttpServer } from '../http/http-server.js';
import type { Seed } from '../seed.js';
import { createEcsHandler } from './ecs-server.js';
import { EcsState } from './ecs-state.js';
import { EcsFaults } from './faults.js';

export interface EcsEmulatorOptions {
  seed: Seed;
  /** AccessKeys (and STS tokens) the emulator accepts. */
  credentials: CredentialStore;
  /** Shared log of answered calls; a fresh one when omitted. */
  calls?: CallLog;
  /** 0 (default) picks a free port on 127.0.0.1. */
  port?: number;
  /** Server clock for the timestamp check (ms since epoch); `Date.now` by default. */
  now?: () => number;
  /** Delay added to every answer, in ms (default 0). */
  latencyMs?: number;
}

export interface EcsEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`: the `endpoint` to give the ECS SDK (with `protocol: 'http'`). */
  readonly host: string;
  readonly port: number;
  readonly state: EcsState;
  readonly faults: EcsFaults;
  readonly calls: CallLog;
  /** Delay added to every answer, in ms; may be changed while running. */
  latencyMs: number;
  close(): Promise<void>;
}

/** Starts the ECS API emulator on 127.0.0.1. */
export async function startEcsEmulator(options: EcsEmulatorOptions): Promise<EcsEmulator> {
  const state = new EcsState(options.seed);
  const faults = new EcsFaults();
  const calls = options.calls ?? new CallLog();
  const settings = { latencyMs: options.latencyMs ?? 0 };
  const server = await startHttpServer(
    createEcsHandler({
      state,
      faults,
      credentials: options.credentials,
      calls,
      now: options.now ?? Date.now,
      settings,
    }),
    options.port ?? 0,
  );
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    state,
    faults,
    calls,
    get latencyMs() {
      return settings.latencyMs;
    },
    set latencyMs(value: number) {
      settings.latencyMs = value;
    },
    close: () => server.close(),
  };
}

export { ECS_ERRORS, type EcsErrorCode } from './ecs-errors.js';
export type { EcsInstance, EcsRole, InstanceStatus, NetworkType, NewInstance } from './ecs-state.js';
export { EcsState } from './ecs-state.js';
export type { FaultSpec, ScriptedFault } from './faults.js';
export { EcsFaults } from './faults.js';
