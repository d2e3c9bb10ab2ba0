import type { StsKey } from '../credential-store.js';
import type { FunctionDeployment } from '../deployment/deployment.js';
import type { InvocationContextData } from './worker-protocol.js';

/** Where the emulated FC runs. */
export interface RuntimeIdentity {
  accountId: string;
  region: string;
}

/**
 * An instance's `process.env`, as FC builds it (alibaba-cloud.md §2): the function's own variables, the
 * emulator's overrides (endpoints of the other emulators), then FC's built-in variables, which nothing overrides.
 * Nothing else of this process's environment leaks in, apart from PATH.
 */
export function instanceEnv(
  fn: FunctionDeployment,
  identity: RuntimeIdentity,
  instanceId: string,
  keys: StsKey,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }),
    ...fn.environment,
    ...overrides,
    FC_FUNCTION_NAME: fn.functionName,
    FC_FUNCTION_HANDLER: fn.handler,
    FC_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    FC_REGION: identity.region,
    FC_ACCOUNT_ID: identity.accountId,
    FC_FUNC_CODE_PATH: fn.codeDir,
    FC_INSTANCE_ID: instanceId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: keys.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: keys.securityToken,
  };
}

/** The serialisable `context` of one invocation; the instance's STS keys are the function role's. */
export function invocationContext(
  fn: FunctionDeployment,
  identity: RuntimeIdentity,
  keys: StsKey,
  requestId: string,
): InvocationContextData {
  return {
    requestId,
    credentials: {
      accessKeyId: keys.accessKeyId,
      accessKeySecret: keys.accessKeySecret,
      securityToken: keys.securityToken,
    },
    function: {
      name: fn.functionName,
      handler: fn.handler,
      memory: fn.memorySize,
      timeout: fn.timeoutSeconds,
    },
    // No log project locally; FC leaves these empty when the function has no log config.
    service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
    region: identity.region,
    accountId: identity.accountId,
  };
}
