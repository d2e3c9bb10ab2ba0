import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ConfigError, deadlineMarginMs, loadConfig } from '../../../../shared/config/config.js';

/** The problems `loadConfig(env)` reports; fails the test when it succeeds. */
function problems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The README's ranges, written out again here so the test does not read them from the code under test. */
const WHOLE_NUMBERS: Record<string, readonly [number, number]> = {
  ECS_CONNECT_TIMEOUT_MS: [100, 60_000],
  ECS_READ_TIMEOUT_MS: [100, 120_000],
  ECS_CONCURRENCY: [1, 32],
  COALESCE_WINDOW_MS: [0, 5_000],
  MAX_ATTEMPTS: [1, 50],
  BACKOFF_BASE_MS: [1, 60_000],
  BACKOFF_CAP_MS: [1, 300_000],
  DEADLINE_MARGIN_MS: [0, 120_000],
  NEW_INSTANCE_GRACE_SECONDS: [0, 86_400],
};

const BASE = { DEAD_LETTER_QUEUE: 'q', BACKOFF_CAP_MS: '300000' };

describe('loadConfig', () => {
  it('applies defaults and reads overrides', () => {
    const config = loadConfig({
      DEAD_LETTER_QUEUE: 'ram-role-dlq',
      ECS_ENDPOINT: 'http://127.0.0.1:8080',
      MAX_ATTEMPTS: '3',
    });
    expect(config).toMatchObject({
      deadLetters: { kind: 'queue', name: 'ram-role-dlq' },
      policyFile: 'policy.yaml',
      ecsEndpoint: { host: '127.0.0.1:8080', protocol: 'http' },
      ecs: { connectTimeoutMs: 2000, readTimeoutMs: 10000, concurrency: 4 },
      retry: { maxAttempts: 3, baseMs: 200, capMs: 5000 },
      coalesceWindowMs: 150,
      newInstanceGraceMs: 300_000,
      logLevel: 'info',
    });
  });

  it('takes a bare host:port endpoint as https', () => {
    expect(
      loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_ENDPOINT: 'ecs.cn-shanghai.aliyuncs.com' }).ecsEndpoint,
    ).toEqual({
      host: 'ecs.cn-shanghai.aliyuncs.com',
      protocol: 'https',
    });
  });

  it('names every missing or invalid variable at once', () => {
    const error = (() => {
      try {
        loadConfig({ MAX_ATTEMPTS: 'many', LOG_LEVEL: 'loud', MNS_ENDPOINT: 'ftp://x' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DEAD_LETTER_TOPIC (or, without alerting, DEAD_LETTER_QUEUE) is required');
    expect(message).toContain('MAX_ATTEMPTS');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('MNS_ENDPOINT');
  });

  it('says what is wrong in its own words: the variable, the value, what is allowed', () => {
    expect(problems({ ...BASE, MAX_ATTEMPTS: 'abc' })).toEqual([
      'MAX_ATTEMPTS: "abc" is not a whole number from 1 to 50',
    ]);
    expect(problems({ ...BASE, MAX_ATTEMPTS: '-1.5' })).toEqual([
      'MAX_ATTEMPTS: "-1.5" is not a whole number from 1 to 50',
    ]);
    expect(problems({ ...BASE, ECS_CONCURRENCY: '1e1' })).toEqual([
      'ECS_CONCURRENCY: "1e1" is not a whole number from 1 to 32',
    ]);
    expect(problems({ ...BASE, LOG_LEVEL: 'loud' })).toEqual([
      'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(problems({ ...BASE, ECS_ENDPOINT: 'http://127.0.0.1:80/x' })).toEqual([
      'ECS_ENDPOINT: "http://127.0.0.1:80/x" is not host[:port] or http(s)://host[:port]',
    ]);
    expect(problems({ ...BASE, FC_REGION: 'mars' })).toEqual([
      'FC_REGION: "mars" is not a region id such as cn-hangzhou',
    ]);
  });

  it('counts empty or blank variables as unset, every one of them', () => {
    const blank = Object.fromEntries(
      [
        ...Object.keys(WHOLE_NUMBERS),
        'DEAD_LETTER_TOPIC',
        'POLICY_FILE',
        'ECS_ENDPOINT',
        'MNS_ENDPOINT',
        'LOG_LEVEL',
      ].map((name) => [name, name.length % 2 === 0 ? '' : '  ']),
    );
    expect(loadConfig({ ...blank, DEAD_LETTER_QUEUE: 'q' })).toEqual(loadConfig({ DEAD_LETTER_QUEUE: 'q' }));
    expect(problems({ DEAD_LETTER_TOPIC: '', DEAD_LETTER_QUEUE: ' ' })).toEqual([
      'DEAD_LETTER_TOPIC (or, without alerting, DEAD_LETTER_QUEUE) is required',
    ]);
  });

  it('refuses a backoff base above its cap, set or default', () => {
    expect(problems({ DEAD_LETTER_QUEUE: 'q', BACKOFF_BASE_MS: '2000', BACKOFF_CAP_MS: '1000' })).toEqual([
      'BACKOFF_BASE_MS (2000) must not exceed BACKOFF_CAP_MS (1000)',
    ]);
    expect(problems({ DEAD_LETTER_QUEUE: 'q', BACKOFF_BASE_MS: '10000' })).toEqual([
      'BACKOFF_BASE_MS (10000) must not exceed BACKOFF_CAP_MS (5000, its default)',
    ]);
    expect(problems({ DEAD_LETTER_QUEUE: 'q', BACKOFF_CAP_MS: '100' })).toEqual([
      'BACKOFF_BASE_MS (200, its default) must not exceed BACKOFF_CAP_MS (100)',
    ]);
    expect(
      loadConfig({ DEAD_LETTER_QUEUE: 'q', BACKOFF_BASE_MS: '700', BACKOFF_CAP_MS: '700' }).retry,
    ).toEqual({
      maxAttempts: 8,
      baseMs: 700,
      capMs: 700,
    });
  });

  it('reports field problems, the dead-letter target and the order check all at once', () => {
    expect(
      problems({ MAX_ATTEMPTS: '0', BACKOFF_BASE_MS: '9000', BACKOFF_CAP_MS: '10', MNS_ENDPOINT: 'ftp://x' }),
    ).toEqual([
      'DEAD_LETTER_TOPIC (or, without alerting, DEAD_LETTER_QUEUE) is required',
      'MNS_ENDPOINT: "ftp://x" is not an http(s):// URL with no path',
      'MAX_ATTEMPTS: "0" is not a whole number from 1 to 50',
    ]);
  });

  it('property: any invalid whole number is named with its value and its allowed range', () => {
    const invalid = ([min, max]: readonly [number, number]) =>
      fc.oneof(
        fc.string().filter((text) => text.trim() !== '' && !/^\d+$/.test(text.trim())),
        fc.integer({ min: max + 1, max: 10 ** 12 }).map(String),
        ...(min > 0 ? [fc.integer({ min: 0, max: min - 1 }).map(String)] : []),
      );
    const cases = fc
      .constantFrom(...Object.keys(WHOLE_NUMBERS))
      .chain((name) => fc.tuple(fc.constant(name), invalid(WHOLE_NUMBERS[name] ?? [0, 0])));
    fc.assert(
      fc.property(cases, ([name, value]) => {
        const [min, max] = WHOLE_NUMBERS[name] ?? [0, 0];
        expect(problems({ ...BASE, [name]: value })).toEqual([
          `${name}: ${JSON.stringify(value.trim())} is not a whole number from ${min} to ${max}`,
        ]);
      }),
    );
  });

  it('property: any value of any variable is taken, or refused with a message that names the variable', () => {
    const names = [
      ...Object.keys(WHOLE_NUMBERS),
      'DEAD_LETTER_TOPIC',
      'ECS_ENDPOINT',
      'MNS_ENDPOINT',
      'LOG_LEVEL',
      'FC_REGION',
      'FC_ACCOUNT_ID',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.oneof(fc.string(), fc.nat().map(String)), (name, value) => {
        const env = { DEAD_LETTER_QUEUE: 'q', [name]: value };
        if (name === 'DEAD_LETTER_TOPIC' && value.trim() !== '') {
          expect(problems(env)[0]).toMatch(/DEAD_LETTER_TOPIC/);
          return;
        }
        try {
          loadConfig(env);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems).toHaveLength(1);
          expect(error.problems[0]).toMatch(
            new RegExp(`^(BACKOFF_BASE_MS .*BACKOFF_CAP_MS|${name}: ".*" is not .+)`),
          );
          expect(error.problems[0]).toContain(name);
        }
      }),
    );
  });

  it('says the same whatever zod locale the process loaded (zod keeps it in a global)', () => {
    const env = { MAX_ATTEMPTS: 'abc', LOG_LEVEL: 'loud', FC_ACCOUNT_ID: 'x', ECS_ENDPOINT: 'a b' };
    const without = problems(env);
    z.config(en());
    try {
      expect(problems(env)).toEqual(without);
    } finally {
      z.config({ localeError: undefined });
    }
    expect(without.join('\n')).not.toMatch(/Invalid input|expected|received/);
  });

  it('takes a dead-letter topic, or a queue, but not both', () => {
    expect(loadConfig({ DEAD_LETTER_TOPIC: 'ram-role-failures' }).deadLetters).toEqual({
      kind: 'topic',
      name: 'ram-role-failures',
    });
    expect(() => loadConfig({ DEAD_LETTER_TOPIC: 't', DEAD_LETTER_QUEUE: 'q' })).toThrow(/not both/);
    expect(problems({ DEAD_LETTER_TOPIC: 'bad name!' })).toEqual([
      'DEAD_LETTER_TOPIC: "bad name!" is not an MNS topic name (letters, digits, "-", at most 120)',
    ]);
  });

  it('derives the deadline margin from the timeout unless set', () => {
    const config = loadConfig({ DEAD_LETTER_QUEUE: 'q' });
    expect(deadlineMarginMs(config, 3)).toBe(500);
    expect(deadlineMarginMs(config, 20)).toBe(2000);
    expect(deadlineMarginMs(config, 600)).toBe(5000);
    expect(deadlineMarginMs(loadConfig({ DEAD_LETTER_QUEUE: 'q', DEADLINE_MARGIN_MS: '250' }), 600)).toBe(
      250,
    );
  });

  it('reads the accounts configuration: single by default, policy, or the Resource Directory with a folder', () => {
    expect(loadConfig(BASE).accounts).toEqual({ source: 'single' });
    expect(loadConfig({ ...BASE, ACCOUNTS: 'policy' }).accounts).toEqual({
      source: 'policy',
      memberRoleName: 'ram-role-attacher-member',
    });
    expect(
      loadConfig({
        ...BASE,
        ACCOUNTS: 'resource-directory',
        ACCOUNTS_FOLDER: 'fd-bVaRIG3qGz',
        MEMBER_ROLE_NAME: 'Member',
      }).accounts,
    ).toEqual({ source: 'resource-directory', memberRoleName: 'Member', folderId: 'fd-bVaRIG3qGz' });
    expect(loadConfig({ ...BASE, STS_ENDPOINT: 'http://127.0.0.1:9000' }).stsEndpoint).toEqual({
      host: '127.0.0.1:9000',
      protocol: 'http',
    });
  });

  it('refuses a bad accounts source, a folder without the Resource Directory, a bad member role', () => {
    expect(
      problems({ ...BASE, ACCOUNTS: 'all', ACCOUNTS_FOLDER: 'fd-x', MEMBER_ROLE_NAME: 'no spaces' }),
    ).toEqual([
      'ACCOUNTS: "all" is not one of policy, resource-directory',
      'MEMBER_ROLE_NAME: "no spaces" is not a RAM role name (1–64 letters, digits, "." and "-")',
      'ACCOUNTS_FOLDER is set ("fd-x") but ACCOUNTS is "all": a folder filters only ACCOUNTS=resource-directory',
    ]);
  });
});

describe('loadConfig: the sweep', () => {
  it('defaults: hourly, the policy’s regions, 5 calls/s, no lease', () => {
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q' }).sweep).toEqual({
      schedule: '@every 60m',
      callsPerSecond: 5,
    });
    // s.yaml renders an unset SWEEP_REGIONS as empty: the same as unset.
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q', SWEEP_REGIONS: '' }).sweep.regions).toBeUndefined();
  });

  it('reads the schedule, regions, budget, lease queue and FC endpoint', () => {
    const { sweep } = loadConfig({
      DEAD_LETTER_QUEUE: 'q',
      SWEEP_SCHEDULE: '0 0 */2 * * *',
      SWEEP_REGIONS: 'cn-hangzhou, cn-shanghai',
      SWEEP_CALLS_PER_SECOND: '2.5',
      SWEEP_LEASE_QUEUE: 'sweep-lease',
      FUNCTION_ENDPOINT: 'http://127.0.0.1:9000/',
    });
    expect(sweep).toEqual({
      schedule: '0 0 */2 * * *',
      regions: ['cn-hangzhou', 'cn-shanghai'],
      callsPerSecond: 2.5,
      leaseQueue: 'sweep-lease',
      functionEndpoint: 'http://127.0.0.1:9000',
    });
  });

  it('refuses each bad value by name, at once', () => {
    let error: unknown;
    try {
      loadConfig({
        DEAD_LETTER_QUEUE: 'q',
        SWEEP_SCHEDULE: 'hourly',
        SWEEP_REGIONS: 'cn-hangzhou,Hangzhou,cn-hangzhou',
        SWEEP_CALLS_PER_SECOND: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['SWEEP_SCHEDULE', 'SWEEP_REGIONS', 'SWEEP_CALLS_PER_SECOND'])
      expect(message).toContain(name);
  });
});

describe("ECS_CALLS_PER_SECOND (the event path's adaptive rate)", () => {
  it('defaults to 15 and takes a decimal rate', () => {
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q' }).ecsCallsPerSecond).toBe(15);
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_CALLS_PER_SECOND: '2.5' }).ecsCallsPerSecond).toBe(2.5);
  });

  it.each(['0', '-1', 'fast', '1e3', '1001'])(
    'refuses %j, naming the variable and what is allowed',
    (value) => {
      expect(() => loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_CALLS_PER_SECOND: value })).toThrow(
        `ECS_CALLS_PER_SECOND: "${value}" is not a number above 0 and at most 1000`,
      );
    },
  );
});

describe('ECS_CALLS_BURST (calls an idle action may make at once)', () => {
  it('defaults to 10 and takes a whole number', () => {
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q' }).ecsCallsBurst).toBe(10);
    expect(loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_CALLS_BURST: '1' }).ecsCallsBurst).toBe(1);
  });

  it.each(['0', '2.5', 'many', '101'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_CALLS_BURST: value })).toThrow(/ECS_CALLS_BURST: /);
  });
});
