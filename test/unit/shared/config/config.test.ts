import { describe, expect, it } from 'vitest';
import { ConfigError, deadlineMarginMs, loadConfig } from '../../../../shared/config/config.js';

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

  it('takes a dead-letter topic, or a queue, but not both', () => {
    expect(loadConfig({ DEAD_LETTER_TOPIC: 'ram-role-failures' }).deadLetters).toEqual({
      kind: 'topic',
      name: 'ram-role-failures',
    });
    expect(() => loadConfig({ DEAD_LETTER_TOPIC: 't', DEAD_LETTER_QUEUE: 'q' })).toThrow(/not both/);
    expect(() => loadConfig({ DEAD_LETTER_TOPIC: 'bad name!' })).toThrow(
      /DEAD_LETTER_TOPIC: an MNS topic name/,
    );
  });

  it('rejects an ECS endpoint with a path', () => {
    expect(() => loadConfig({ DEAD_LETTER_QUEUE: 'q', ECS_ENDPOINT: 'http://127.0.0.1:80/x' })).toThrow(
      /ECS_ENDPOINT/,
    );
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
