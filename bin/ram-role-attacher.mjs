#!/usr/bin/env node
// The `ram-role-attacher` bin: registers tsx's loader in this process and runs the TypeScript entry, so that
// exit codes, signals and stdio are the command's own (no child process in between). tsx is a devDependency:
// this works in a clone after `npm ci`, which is where the operator CLI is meant to run.
import { register } from 'tsx/esm/api';

register();
await import('../tools/cli/main.ts');
