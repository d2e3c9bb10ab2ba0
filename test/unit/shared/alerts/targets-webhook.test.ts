import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSignature, webhookTarget } from '../../../../shared/alerts/targets/webhook.js';
import { smallGroup } from './alert-groups.js';
import { answer } from './answers.js';

const HOOK_URL = 'https://alerts.example.com/hooks/ecs-ram-role';
const SECRET = 'webhook-secret-0123456789';

describe('generic webhook target', () => {
  it('posts {"version":1,"alert":<AlertGroup>} as it is', () => {
    const group = smallGroup();
    const request = webhookTarget({ url: HOOK_URL }).buildRequest(group, { now: 0, eventAction: 'trigger' });
    expect(request.url).toBe(HOOK_URL);
    expect(JSON.parse(request.body)).toEqual({ version: 1, alert: group });
    expect(request.headers['x-signature']).toBeUndefined();
  });

  it('signs the raw body: X-Signature sha256=<hex HMAC-SHA256(secret, body)>, X-Timestamp in seconds', () => {
    const request = webhookTarget({ url: HOOK_URL, secret: SECRET }).buildRequest(smallGroup(), {
      now: 1_767_323_045_999,
      eventAction: 'trigger',
    });
    const expected = `sha256=${createHmac('sha256', SECRET).update(Buffer.from(request.body, 'utf8')).digest('hex')}`;
    expect(request.headers['x-signature']).toBe(expected);
    expect(webhookSignature(SECRET, request.body)).toBe(expected);
    expect(request.headers['x-timestamp']).toBe('1767323045');
  });

  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [400, 'configuration'],
    [401, 'configuration'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
  ] as const)('HTTP %i → %s', (status, outcome) => {
    const target = webhookTarget({ url: HOOK_URL });
    expect(target.classify(answer(status, '')).outcome).toBe(outcome);
  });

  it('reads Retry-After as an HTTP-date too', () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const verdict = webhookTarget({ url: HOOK_URL }).classify(answer(503, '', { 'retry-after': at }));
    expect(verdict.outcome).toBe('retryable');
    if (verdict.outcome === 'retryable') {
      expect(verdict.retryAfterMs).toBeGreaterThan(3_000);
      expect(verdict.retryAfterMs).toBeLessThanOrEqual(5_000);
    }
  });
});
