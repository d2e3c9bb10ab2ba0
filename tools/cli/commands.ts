/** The `ram-role-attacher` commands, in the order `--help` lists them. A new command adds itself here. */
import { applyCommand } from './apply.js';
import { checkRolesCommand } from './check-roles.js';
import type { Command } from './command.js';
import { explainCommand } from './explain.js';
import { iam } from './iam.js';
import { planCommand } from './plan.js';
import { validate } from './validate.js';

export const COMMANDS: readonly Command[] = [
  validate,
  explainCommand,
  iam,
  checkRolesCommand,
  planCommand,
  applyCommand,
];
