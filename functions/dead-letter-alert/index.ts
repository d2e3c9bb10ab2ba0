import { alertColdStart } from '../../shared/alerts/alert-handler.js';
import type { FcContext } from '../../shared/fc/fc-context.js';

// Read and validated once, when FC loads the function: a bad variable fails here, by name.
const handle = alertColdStart(process.env);

/** FC 3.0 handler (`index.handler`), triggered by the failure topic and by a sweep timer. */
export const handler = (event: Buffer, context: FcContext) => handle(event, context);
