import { describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../../../../shared/logging/logger.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('writes one JSON object per line with the level name and the bound request id', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).child({ requestId: 'req-1' }).info({ n: 1 }, 'hello');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'info',
      requestId: 'req-1',
      n: 1,
      msg: 'hello',
    });
  });

  it('never prints a registered secret, wherever it hides', () => {
    const { lines, destination } = capture();
    const secret = 'S3cr3tAccessKeySecretValue';
    const token = 'CAIS+FakeSecurityToken/with+slash=';
    registerSecret(secret);
    registerSecret(token);
    const log = createLogger({ level: 'info', destination });
    log.info({ accessKeySecret: secret, nested: { securityToken: token } }, 'fields');
    log.error(
      { err: new Error(`request failed: ?SecurityToken=${token}&k=${secret}`) },
      `message with ${secret}`,
    );
    const all = lines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token);
    expect(all).toContain('[REDACTED]');
  });
});
