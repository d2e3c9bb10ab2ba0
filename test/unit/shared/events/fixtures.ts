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

/** Invariants every decode result keeps, whatever the input. */
export function expectWellFormed(result: DecodedEvent): void {
  const seen = new Set<string>();
  for (const ref of result.refs) {
    expect(isInstanceId(ref.instanceId), ref.instanceId).toBe(true);
    expect(isRegionId(ref.regionId), ref.regionId).toBe(true);
    if (ref.accountId !== undefined) expect(isAccountId(ref.accountId), ref.accountId).toBe(true);
    expect(ref.eventId).toMatch(/^[!-~](?:[ -~]{0,254}[!-~])?$/);
    expect(ref.eventType).toMatch(/^[!-~](?:[ -~]{0,254}[!-~])?$/);
    if (ref.eventTime !== undefined) expect(new Date(ref.eventTime).toISOString()).toBe(ref.eventTime);
    expect(['created', 'state-change', 'tag-change', 'redrive']).toContain(ref.reason);
    const key = `${ref.regionId}/${ref.instanceId}`;
    expect(seen.has(key), `duplicate ref ${key}`).toBe(false);
    seen.add(key);
  }
  for (const poison of result.poison) {
    expect(poison.error).toBeInstanceOf(EventDecodeError);
    expect(poison.error.code).toMatch(/^InvalidEvent\.[A-Za-z]+$/);
    expect(poison.error.errorClass).toBe('permanent');
    expect(poison.error.message).toMatch(PRINTABLE);
    expect(poison.error.path).toMatch(PRINTABLE);
    if (poison.eventId !== undefined) expect(poison.eventId).toMatch(PRINTABLE);
    if (poison.eventType !== undefined) expect(poison.eventType).toMatch(PRINTABLE);
  }
  for (const ignored of result.ignored) {
    expect(ignored.reason).toMatch(PRINTABLE);
    if (ignored.eventId !== undefined) expect(ignored.eventId).toMatch(PRINTABLE);
    if (ignored.eventType !== undefined) expect(ignored.eventType).toMatch(PRINTABLE);
  }
}
