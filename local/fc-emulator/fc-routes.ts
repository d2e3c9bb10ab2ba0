/** The FC API versions the emulator answers: FC 2.0's (services and functions) and FC 3.0's (functions). */
export type FcApiVersion = '2016-08-15' | '2023-03-30';

/**
 * The invocation paths: `@alicloud/fc20230330`'s `POST /2023-03-30/functions/{fn}/invocations` (cloud-facts FC-1)
 * and `@alicloud/fc2`'s `POST /2016-08-15/services/{svc}[.{qualifier}]/functions/{fn}/invocations` (FC-11).
 */
export interface InvocationRoute {
  apiVersion: FcApiVersion;
  functionName: string;
  /** 2016-08-15 only; any service name maps to the function by name (FC 3.0 has no services). */
  serviceName?: string;
  /** `svc.<qualifier>` on the 2016-08-15 path. */
  qualifier?: string;
}

const FC3_FUNCTION_PATH = /^\/2023-03-30\/functions\/([^/]+)\/?$/;
const FC3_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations\/?$/;
const FC2_PATH = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations\/?$/;

/** The API version a path is for, to answer even an unknown path in that version's error shape. */
export const apiVersionOf = (path: string): FcApiVersion =>
  path.startsWith('/2023-03-30/') ? '2023-03-30' : '2016-08-15';

/** Matches the request path (no query); undefined for anything else. */
export function matchInvocationPath(path: string): InvocationRoute | undefined {
  const fc3 = FC3_PATH.exec(path);
  if (fc3?.[1] !== undefined) {
    const functionName = decode(fc3[1]);
    return functionName === undefined ? undefined : { apiVersion: '2023-03-30', functionName };
  }
  const fc2 = FC2_PATH.exec(path);
  if (fc2?.[1] !== undefined && fc2[2] !== undefined) {
    const service = decode(fc2[1]);
    const functionName = decode(fc2[2]);
    if (service === undefined || functionName === undefined) return undefined;
    const dot = service.indexOf('.');
    return {
      apiVersion: '2016-08-15',
      functionName,
      serviceName: dot < 0 ? service : service.slice(0, dot),
      ...(dot < 0 ? {} : { qualifier: service.slice(dot + 1) }),
    };
  }
  return undefined;
}

/** `/2023-03-30/functions/{fn}`: the function itself (UpdateFunction is `PUT` on it, cloud-facts SC-2). */
export function matchFunctionPath(path: string): string | undefined {
  const match = FC3_FUNCTION_PATH.exec(path);
  return match?.[1] === undefined ? undefined : decode(match[1]);
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
