import { ECS_ERRORS, type EcsErrorCode } from '../ecs-errors.js';
import type { EcsInstance, EcsState } from '../ecs-state.js';
import type { InjectedError } from '../faults.js';
import type { Params } from '../request-params.js';

export interface ActionContext {
  params: Params;
  state: EcsState;
  /** Scripted per-instance failures for this call (only Attach/Detach receive any). */
  instanceFaults: ReadonlyMap<string, InjectedError>;
}

/** One ECS API action: validates its parameters (throwing `EcsApiError`) and returns the 200 body without RequestId. */
export interface EcsAction {
  /** True when failures of single instances are reported inside a 200 rather than failing the call. */
  perInstanceResults: boolean;
  run(context: ActionContext): Record<string, unknown>;
}

/**
 * The instance as the API sees it from `region`: instances of other regions and Deleted ones do not exist there.
 */
export function visibleInstance(state: EcsState, id: string, region: string): EcsInstance | undefined {
  const instance = state.instance(id);
  return instance && instance.region === region && instance.status !== 'Deleted' ? instance : undefined;
}

/** One per-instance outcome of Attach/Detach (`Code` "200" on success, as the real API answers). */
export interface InstanceOutcome {
  Code: string;
  InstanceId: string;
  Message: string;
  Success: boolean;
}

export function succeeded(instanceId: string): InstanceOutcome {
  return { Code: '200', InstanceId: instanceId, Message: 'success', Success: true };
}

export function failed(instanceId: string, code: EcsErrorCode | InjectedError): InstanceOutcome {
  const error = typeof code === 'string' ? { code, message: ECS_ERRORS[code].message } : code;
  return { Code: error.code, InstanceId: instanceId, Message: error.message, Success: false };
}
