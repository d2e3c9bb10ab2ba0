import { UpdateFunctionInput } from '@alicloud/fc20230330/dist/models/UpdateFunctionInput.js';
import { UpdateFunctionRequest } from '@alicloud/fc20230330/dist/models/UpdateFunctionRequest.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FcSandbox,
  fixtureFunction,
  invoke3,
  rejection,
  startFcSandbox,
} from './fc-emulator-support.js';

const ECHO = fixtureFunction('echo', { environment: { CUSTOM_A: 'first', CUSTOM_B: 'kept?' } });

let s: FcSandbox;
beforeAll(async () => {
  s = await startFcSandbox([ECHO], { maxInstancesPerFunction: 2 });
});
afterAll(async () => {
  await s?.close();
});

const envOf = async () => {
  const { data } = await invoke3(s.client, 'echo', '{}');
  return data as {
    env: Record<string, string>;
    loads: number;
    invocations: number;
    context: { function: { timeout: number } };
  };
};

describe('UpdateFunction (PUT /2023-03-30/functions/{fn}) through @alicloud/fc20230330', () => {
  it('replaces the environment: the next invocation cold-starts with it, the old instance is retired', async () => {
    const before = await envOf();
    expect(before.env.CUSTOM_A).toBe('first');
    const coldStarts = s.fc.coldStarts('echo');

    const answer = await s.client.updateFunction(
      'echo',
      new UpdateFunctionRequest({
        body: new UpdateFunctionInput({ environmentVariables: { CUSTOM_A: 'second' }, timeout: 7 }),
      }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body?.environmentVariables).toEqual({ CUSTOM_A: 'second' });
    expect(answer.body?.timeout).toBe(7);

    const after = await envOf();
    expect(after.env.CUSTOM_A).toBe('second');
    // The whole map is replaced, as FC's UpdateFunction does.
    expect(after.env.CUSTOM_B).toBeUndefined();
    expect(after.context.function.timeout).toBe(7);
    expect(s.fc.coldStarts('echo')).toBe(coldStarts + 1);
    // A fresh instance (its first invocation), not the warm one.
    expect(after.invocations).toBe(1);
    // And it stays warm for the next one.
    expect((await envOf()).invocations).toBe(2);
    expect(s.calls.records.filter((r) => r.service === 'fc' && r.action === 'UpdateFunction')).toEqual([
      expect.objectContaining({ status: 200, params: expect.objectContaining({ function: 'echo' }) }),
    ]);
  });

  it('refuses an unknown function (404 FunctionNotFound) and a field it does not emulate, by name', async () => {
    const missing = await rejection(
      s.client.updateFunction(
        'nope',
        new UpdateFunctionRequest({ body: new UpdateFunctionInput({ environmentVariables: {} }) }),
      ),
    );
    expect(missing).toMatchObject({ code: 'FunctionNotFound', statusCode: 404 });
    const layers = await rejection(
      s.client.updateFunction(
        'echo',
        new UpdateFunctionRequest({ body: new UpdateFunctionInput({ layers: ['acs:fc:x'] }) }),
      ),
    );
    expect(layers).toMatchObject({ code: 'InvalidArgument', statusCode: 400 });
    expect(String((layers as Error).message)).toContain('layers');
  });

  it('in process: updateFunction changes what new instances run with', async () => {
    s.fc.updateFunction('echo', { environmentVariables: { CUSTOM_A: 'third' } });
    expect((await envOf()).env.CUSTOM_A).toBe('third');
  });
});
