import Credential, { Config } from '@alicloud/credentials';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsFor, resolveCredentials } from '../../../../shared/credentials/credentials.js';

// FC's keys are handed to the SDK clients without loading @alicloud/credentials (cloud-facts CS-1): what the
// clients read must be what the SDK's own static providers give.

/** What `@alicloud/credentials` itself returns for the same keys (the fields the SDK clients read). */
async function fromSdk(keys: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) {
  const config = keys.securityToken
    ? new Config({ type: 'sts', ...keys })
    : new Config({
        type: 'access_key',
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
      });
  const model = await new Credential.default(config).getCredential();
  const { accessKeyId, accessKeySecret, securityToken, bearerToken, type, providerName } = model;
  return { accessKeyId, accessKeySecret, securityToken, bearerToken, type, providerName };
}

const key = fc.string({ minLength: 1, maxLength: 40 });

describe('credentialsFor (FC context keys)', () => {
  it("gives the model @alicloud/credentials' static providers give, with and without a token", async () => {
    await fc.assert(
      fc.asyncProperty(key, key, fc.option(key, { nil: undefined }), async (id, secret, token) => {
        const keys = { accessKeyId: id, accessKeySecret: secret, ...(token ? { securityToken: token } : {}) };
        const model = await credentialsFor(keys).getCredential();
        const { accessKeyId, accessKeySecret, securityToken, bearerToken, type, providerName } = model;
        expect({ accessKeyId, accessKeySecret, securityToken, bearerToken, type, providerName }).toEqual(
          await fromSdk(keys),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('hands each caller a copy: changing one model does not change the next', async () => {
    const provider = credentialsFor({ accessKeyId: 'STS.a', accessKeySecret: 's', securityToken: 't' });
    const first = await provider.getCredential();
    first.accessKeyId = 'changed';
    expect((await provider.getCredential()).accessKeyId).toBe('STS.a');
  });
});

describe('credentialsFor (no context keys)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("falls back to @alicloud/credentials' default chain, loaded on first use", async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAI-env-id';
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'env-secret';
    delete process.env.ALIBABA_CLOUD_SECURITY_TOKEN;
    const keys = await resolveCredentials(credentialsFor({}));
    expect(keys).toEqual({ accessKeyId: 'LTAI-env-id', accessKeySecret: 'env-secret' });
  });
});
