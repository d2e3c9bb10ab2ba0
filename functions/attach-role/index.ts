import { coldStart } from '../../shared/attach/cold-start.js';
import type { FcContext } from '../../shared/fc/fc-context.js';

// Read and validated once, when FC loads the function: a bad variable or policy fails here, by name.
const handle = await coldStart(process.env);

/** FC 3.0 handler (`index.handler`): the event arrives as a Buffer. */
export const handler = (event: Buffer, context: FcContext) => handle(event, context);
