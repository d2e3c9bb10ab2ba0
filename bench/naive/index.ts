import type { FcContext } from '../../shared/fc/fc-context.js';
import { naiveColdStart } from './naive-handler.js';

const handle = naiveColdStart(process.env);

/** FC 3.0 handler (`index.handler`) of the naive baseline. */
export const handler = (event: Buffer, context: FcContext) => handle(event, context);
