import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_SECONDS } from '../../../../shared/fc/fc-context.js';
import { Deadline } from '../../../../shared/retry/deadline.js';

// What a handler plans for when the context gives no `function.timeout` (docs/cloud-facts.md FT-14).

const schema = JSON.parse(
  readFileSync(new URL('../../../fixtures/schema/fc3-schema.json', import.meta.url), 'utf8'),
) as { properties: { timeout: { default: number; minimum: number } } };

describe('DEFAULT_TIMEOUT_SECONDS', () => {
  it('is the timeout FC 3.0 gives a function that sets none (the fc3 component’s default)', () => {
    expect(DEFAULT_TIMEOUT_SECONDS).toBe(schema.properties.timeout.default);
    expect(DEFAULT_TIMEOUT_SECONDS).toBe(3);
  });

  it('so a handler without a timeout in its context stops before FC’s shortest timeout would kill it', () => {
    const startedAt = 1_000_000;
    const deadline = Deadline.fromTimeout(DEFAULT_TIMEOUT_SECONDS, 500, startedAt, () => startedAt);
    expect(deadline.at - startedAt).toBeLessThan(schema.properties.timeout.default * 1000);
    expect(deadline.at - startedAt).toBe(2_500);
  });
});
