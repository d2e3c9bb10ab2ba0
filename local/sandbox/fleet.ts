import type { EcsInstance } from '../ecs-emulator/index.js';
import type { Sandbox } from './sandbox.js';

/** An instance with the account it lives in. */
export interface FleetInstance {
  accountId: string;
  instance: EcsInstance;
}

/** Every instance of every account of the sandbox (the central one first). */
export function fleet(sandbox: Sandbox): FleetInstance[] {
  return [...sandbox.ecs.accounts].flatMap(([accountId, state]) =>
    state.instances().map((instance) => ({ accountId, instance })),
  );
}

/** A trust policy that lets exactly `principal` (a RAM role's ARN) assume the role (cloud-facts AC-6). */
export const trustingRole = (principal: string) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [principal] } }],
});
