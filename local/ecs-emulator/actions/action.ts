import type { EcsBehaviour } from '../behaviour.js';
import { ECS_ERRORS, type EcsErrorCode } from '../ecs-errors.js';
import type { EcsInstance, EcsState } from '../ecs-state.js';
import type { InjectedError } from '../faults.js';
import type { LaunchSpec } from '../lifecycle.js';
import type { Params } from '../request-params.js';

export interface ActionContext {
  params: Params;
  state: EcsState;
  /** Scripted per-instance failures for this call (only Attach/Detach receive any). */
  instanceFaults: ReadonlyMap<string, InjectedError>;
  /** What a write does beyond EcsState: lifecycles, and what its events must say. */
  effects: ActionEffects;
  /** How to answer where the documentation leaves ECS undecided; read at each call. */
  behaviour: Readonly<EcsBehaviour>;
  /** The server clock (ms), for what an answer stamps (NextToken's age). */
  now: () => number;
}

/** Side effects of a write. An action calls them only once its validation has passed. */
export interface ActionEffects {
  /** Adds new Pending instances and starts their lifecycle (state change events, visibility lag). */
  launch(spec: LaunchSpec): EcsInstance[];
  /** Releases instances (Deleted, with their state change events). */
  release(instanceIds: readonly string[]): void;
  /** An instance's tags changed (keys added, changed or removed): one Tag:ChangeOnResource event. */
  tagsChanged(instanceId: string, changedTagKeys: readonly string[]): void;
  /** Instances the call is about: ActionTrail's `referencedResources`. */
  reference(instanceIds: readonly string[]): void;
}

/** One ECS API action: validates its parameters (throwing `EcsApiError`) and returns the 200 body without RequestId. */
export interface EcsAction {
  /** True when failures of single instances are reported inside a 200 rather than failing the call. */
  perInstanceResults: boolean;
  /**
   * Set on writes: each successful call is an ActionTrail `ApiCall` event. `subject`: whether the event's
   * CloudEvent `subject` names the first referenced instance (the RunInstances sample has one, the TagResources
   * sample none).
   */
  trail?: { subject: boolean };
  run(context: ActionContext): Record<string, unknown>;
}

/**
 * The instance as the API sees it from `region`: instances of other regions, Deleted ones and ones not yet
 * visible (just launched, eventual consistency) do not exist there.
 */
export function visibleInstance(state: EcsState, id: string, region: string): EcsInstance | undefined {
  const instance = state.instance(id);
  return instance && isVisibleIn(instance, region) ? instance : undefined;
}

export function isVisibleIn(instance: EcsInstance, region: string): boolean {
  return instance.region === region && instance.status !== 'Deleted' && instance.visible;
}

/**
 * One per-instance outcome of Attach/Detach: `Code` 200 on success, as a string or a number (cloud-facts ECS-12,
 * `EcsBehaviour.resultCode`), else the error code.
 */
export interface InstanceOutcome {
  Code: string | number;
  InstanceId: string;
  Message: string;
  Success: boolean;
}

export function succeeded(instanceId: string, behaviour: Readonly<EcsBehaviour>): InstanceOutcome {
  const code = behaviour.resultCode === 'number' ? 200 : '200';
  return { Code: code, InstanceId: instanceId, Message: 'success', Success: true };
}

export function failed(
  instanceId: string,
  code: EcsErrorCode | Pick<InjectedError, 'code' | 'message'>,
): InstanceOutcome {
  const error = typeof code === 'string' ? { code, message: ECS_ERRORS[code].message } : code;
  return { Code: error.code, InstanceId: instanceId, Message: error.message, Success: false };
}
