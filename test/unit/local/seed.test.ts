import { describe, expect, it } from 'vitest';
import { parseSeed, SeedError } from '../../../local/seed.js';

const ACCOUNT = '1234567890123456';

function issues(tags: Record<string, string>): readonly string[] {
  try {
    parseSeed({
      accountId: ACCOUNT,
      instances: [{ id: 'i-bp1seed0000000000001', region: 'cn-hangzhou', tags }],
    });
  } catch (error) {
    if (error instanceof SeedError) return error.issues;
    throw error;
  }
  return [];
}

describe('the emulator seed enforces ECS tag limits (cloud-facts ECS-29 … ECS-31)', () => {
  it('accepts 20 tags with 128-character keys and values, and an empty value', () => {
    const tags = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `${String(i).padStart(2, '0')}${'k'.repeat(126)}`,
        'v'.repeat(128),
      ]),
    );
    expect(issues(tags)).toEqual([]);
    expect(issues({ team: '' })).toEqual([]);
  });

  it('refuses each broken limit, naming the instance and the tag', () => {
    const field = 'instances.0.tags';
    expect(
      issues({
        ['k'.repeat(129)]: 'x',
        'aliyun:owner': 'x',
        'ACS:owner': 'x',
        'see-https://example.com': 'x',
        docs: 'http://example.com',
        long: 'v'.repeat(129),
      }),
    ).toEqual([
      `${field}."${'k'.repeat(129)}": a tag key has at most 128 characters (this one 129)`,
      `${field}."aliyun:owner": a tag key cannot start with "aliyun" or "acs:" (reserved for Alibaba Cloud)`,
      `${field}."ACS:owner": a tag key cannot start with "aliyun" or "acs:" (reserved for Alibaba Cloud)`,
      `${field}."see-https://example.com": a tag key cannot contain "http://" or "https://"`,
      `${field}."docs": a tag value cannot contain "http://" or "https://"`,
      `${field}."long": a tag value has at most 128 characters (this one 129)`,
    ]);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`tag${i}`, 'x']));
    expect(issues(many)).toEqual([`${field}: 21 tags, but an instance has at most 20`]);
  });

  it('says so on one line, naming the seed', () => {
    expect(() =>
      parseSeed(
        {
          accountId: ACCOUNT,
          instances: [{ id: 'i-bp1seed0000000000001', region: 'cn-hangzhou', tags: { '': 'x' } }],
        },
        'my-seed.json',
      ),
    ).toThrow(
      /^my-seed\.json is not a valid emulator seed: instances\.0\.tags\."": a tag key cannot be empty$/,
    );
  });
});
