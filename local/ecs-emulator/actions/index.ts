import type { EcsAction } from './action.js';
import { attachInstanceRamRole } from './attach-instance-ram-role.js';
import { deleteInstances } from './delete-instances.js';
import { describeInstanceRamRole } from './describe-instance-ram-role.js';
import { describeInstances } from './describe-instances.js';
import { detachInstanceRamRole } from './detach-instance-ram-role.js';
import { runInstances } from './run-instances.js';
import { tagResources } from './tag-resources.js';
import { untagResources } from './untag-resources.js';

/** The ECS API actions the emulator answers (version 2014-05-26); any other action is InvalidAction.NotFound. */
export const ECS_ACTIONS: Readonly<Record<string, EcsAction>> = {
  DescribeInstances: describeInstances,
  DescribeInstanceRamRole: describeInstanceRamRole,
  AttachInstanceRamRole: attachInstanceRamRole,
  DetachInstanceRamRole: detachInstanceRamRole,
  RunInstances: runInstances,
  DeleteInstances: deleteInstances,
  TagResources: tagResources,
  UntagResources: untagResources,
};

export function findAction(name: string): EcsAction | undefined {
  return Object.hasOwn(ECS_ACTIONS, name) ? ECS_ACTIONS[name] : undefined;
}

export type { ActionContext, ActionEffects, EcsAction } from './action.js';
