import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { isAccountId, isInstanceId, isRegionId } from '../../../../shared/ecs/ids.js';
import { EventDecodeError } from '../../../../shared/events/decode-error.js';
import type { DecodedEvent, DecodeOptions } from '../../../../shared/events/decoded-event.js';

/** Test helpers for the event decoder: fixtures live in test/fixtures/events (a copy; tests never read ../shared). */

const root = new URL('../../../fixtures/events/', import.meta.url);

export const readFixture = (name: string): Buffer => readFileSync(new URL(name, root));

export const readFixtureJson = (name: string): unknown => JSON.parse(readFixture(name).toString('utf8'));

/** File names (relative to the fixtures root) in `dir`, sorted. */
export const listFixtures = (dir = ''): string[] =>
  readdirSync(new URL(dir, root), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'README.md')
    .map((entry) => `${dir}${entry.name}`)
    .sort();

/** Defaults that no fixture uses, so a test sees whether a region/account came from the event or the defaults. */
export const OPTIONS: DecodeOptions = { defaultRegionId: 'cn-beijing', defaultAccountId: '9999999999999999' };

export const ACCOUNT = '1234567890123456';

/** Messages, reasons and ids that reach logs and alerts: printable ASCII only. */
const PRINTABLE = /^[ -~]*$/;

const TOKEN = /^[!-~](?:[ -~]{0,254}[!-~])?$/;
const REASONS = new Set(['created', 'state-change', 'tag-change', 'redrive']);

/**
 * Invariants every decode result keeps, whatever the input. Plain checks first, `expect` only on what fails:
 * the fuzz runs this on 10,000 results.
 */
export function expectWellFormed(result: DecodedEvent): void {
  const seen = new Set<string>();
  for (const ref of result.refs) {
    if (!isInstanceId(ref.instanceId)) expect(ref.instanceId, 'instanceId').toBe('a valid instance id');
    if (!isRegionId(ref.regionId)) expect(ref.regionId, 'regionId').toBe('a valid region id');
    if (ref.accountId !== undefined && !isAccountId(ref.accountId))
      expect(ref.accountId, 'accountId').toBe('a valid account id');
    if (!TOKEN.test(ref.eventId)) expect(ref.eventId).toMatch(TOKEN);
    if (!TOKEN.test(ref.eventType)) expect(ref.eventType).toMatch(TOKEN);
    if (ref.eventTime !== undefined && new Date(ref.eventTime).toISOString() !== ref.eventTime)
      expect(new Date(ref.eventTime).toISOString()).toBe(ref.eventTime);
    if (!REASONS.has(ref.reason)) expect([...REASONS]).toContain(ref.reason);
    const key = `${ref.regionId}/${ref.instanceId}`;
    if (seen.has(key)) expect.fail(`duplicate ref ${key}`);
    seen.add(key);
  }
  for (const poison of result.poison) {
    if (!(poison.error instanceof EventDecodeError)) expect(poison.error).toBeInstanceOf(EventDecodeError);
    if (!/^InvalidEvent\.[A-Za-z]+$/.test(poison.error.code))
      expect(poison.error.code).toMatch(/^InvalidEvent\./);
    if (poison.error.errorClass !== 'permanent') expect(poison.error.errorClass).toBe('permanent');
    for (const text of [poison.error.message, poison.error.path, poison.eventId, poison.eventType]) {
      if (text !== undefined && !PRINTABLE.test(text)) expect(text).toMatch(PRINTABLE);
    }
    for (const instance of poison.instances ?? []) {
      if (!isInstanceId(instance.instanceId))
        expect(instance.instanceId, 'kept id').toBe('a valid instance id');
    }
  }
  for (const ignored of result.ignored) {
    for (const text of [ignored.reason, ignored.eventId, ignored.eventType]) {
      if (text !== undefined && !PRINTABLE.test(text)) expect(text).toMatch(PRINTABLE);
    }
  }
}
