import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRegionId } from '../../../shared/ecs/ids.js';
import {
  ALIBABA_CLOUD_REGIONS,
  findRegion,
  isAlibabaCloudRegion,
  suggestRegion,
  unknownRegionMessage,
} from '../../../shared/ecs/regions.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the Alibaba Cloud region table', () => {
  it('holds unique, well-formed ids, each with a name', () => {
    const ids = ALIBABA_CLOUD_REGIONS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const region of ALIBABA_CLOUD_REGIONS) {
      expect(isRegionId(region.id), region.id).toBe(true);
      expect(region.name).toMatch(/\S/);
    }
  });

  it.each([
    'cn-hangzhou',
    'cn-wulanchabu',
    'cn-wuhan-lr',
    'ap-southeast-7',
    'me-central-1',
    'cn-shanghai-finance-1',
  ])('knows %s', (id) => expect(isAlibabaCloudRegion(id)).toBe(true));

  it('knows closed regions as closed', () => {
    expect(findRegion('ap-south-1')).toMatchObject({ name: 'India (Mumbai)', closed: true });
    expect(findRegion('ap-southeast-2')?.closed).toBe(true);
  });

  it.each([
    ['cn-hangzou', 'cn-hangzhou'],
    ['hangzhou', 'cn-hangzhou'],
    ['CN_SHANGHAI', 'cn-shanghai'],
    ['ap-southeast-4', 'ap-southeast-1'],
    ['us-east-2', 'us-east-1'],
  ])('suggests for %j: %j', (input, suggestion) => {
    expect(suggestRegion(input)).toBe(suggestion);
  });

  it('suggests no closed region and nothing for what is not a region at all', () => {
    expect(suggestRegion('ap-south-2')).not.toBe('ap-south-1');
    expect(suggestRegion('xx-nowhere-9')).toBeUndefined();
    expect(suggestRegion('x'.repeat(10_000))).toBeUndefined();
  });

  it('says what is wrong and what was probably meant', () => {
    expect(unknownRegionMessage('cn-hangzou', '"cn-hangzou"')).toBe(
      '"cn-hangzou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
    );
  });

  /** Every region id the scenarios, seeds and examples launch instances in is a real one. */
  it('is the only kind of region id the scenarios, seeds and examples use', () => {
    const files = [
      ...readdirSync(join(ROOT, 'local/scenarios')).map((f) => join('local/scenarios', f)),
      ...readdirSync(join(ROOT, 'local/examples')).map((f) => join('local/examples', f)),
      ...readdirSync(join(ROOT, 'test/fixtures/scenarios')).map((f) => join('test/fixtures/scenarios', f)),
    ];
    const used = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/\b(?:region|regionId|regions)["']?\s*:\s*\[?([^\n\]}]*)/g)) {
        for (const id of (match[1] ?? '').matchAll(/\b[a-z]{2}-[a-z0-9-]+\b/g)) used.add(id[0]);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((id) => !isAlibabaCloudRegion(id))).toEqual([]);
  });
});
