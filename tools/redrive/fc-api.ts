import { FC3_API_VERSION } from '../../shared/fc/fc-invoker.js';
import { FC2_API_VERSION } from '../fc/fc2-invoker.js';

/** Which FC API redrive invokes the function through: FC 3.0 (functions), or FC 2.0 (a function in a service). */
export type FcApiChoice = { api: typeof FC3_API_VERSION } | { api: typeof FC2_API_VERSION; service: string };

/** A command-line problem, named by its flag: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `--fc-api 2016-08-15|2023-03-30` (default 2023-03-30) and `--service S`, which the 2016-08-15 path needs and
 * the 2023-03-30 one has no place for (cloud-facts FC-1, FC-11).
 */
export function parseFcApi(values: {
  'fc-api'?: string | undefined;
  service?: string | undefined;
}): FcApiChoice {
  const api = values['fc-api'] ?? FC3_API_VERSION;
  const { service } = values;
  if (api === FC3_API_VERSION) {
    if (service !== undefined) {
      throw new UsageError(
        `--service applies only to --fc-api ${FC2_API_VERSION}: the FC 3.0 API (${FC3_API_VERSION}) has no services`,
      );
    }
    return { api };
  }
  if (api === FC2_API_VERSION) {
    if (service === undefined || service.trim() === '') {
      throw new UsageError(
        `--service is required with --fc-api ${FC2_API_VERSION}: name the FC 2.0 service the function belongs to`,
      );
    }
    return { api, service };
  }
  throw new UsageError(
    `--fc-api: expected ${FC2_API_VERSION} or ${FC3_API_VERSION}, got ${JSON.stringify(api)}`,
  );
}
