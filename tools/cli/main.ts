/** The operator CLI's entry (`bin/ram-role-attacher.mjs` imports it): `ram-role-attacher <command> [options]`. */
import { processIo } from '../cli.js';
import { dispatch } from './dispatch.js';

await dispatch(process.argv.slice(2), processIo);
