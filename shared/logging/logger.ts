import pino, { type DestinationStream, type Logger } from 'pino';
import { stdoutStream } from './stdout.js';

export type { Logger } from 'pino';

/**
 * Values that must never reach a log line (AccessKey secrets, STS tokens, alert webhook URLs and keys). Every
 * line is scrubbed of them before it is written, whatever field they hide in (an error message, a request URL, a
 * nested object).
 *
 * Module-level on purpose, one per process, not one per cold start: secrets are learned in places that hold no
 * logger (each invocation's `context.credentials`, the default credential chain, the alert targets), and every
 * logger in the process — including ones made before a secret was learned, and the tools' own — must scrub them.
 * A per-logger set would let a secret learned through one path print through another. It only grows: FC hands
 * an instance a handful of rotating STS keys over its life, so it stays small.
 */
const secrets = new Set<string>();

/** Shorter strings are not scrubbed: they would garble ordinary text and are not real secrets. */
const MIN_SECRET_LENGTH = 8;

export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function scrubSecrets(line: string): string {
  let out = line;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout, synchronously, by default (`stdout.ts`). Tests pass a collector. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? stdoutStream();
  const scrubbing: DestinationStream = { write: (line: string) => destination.write(scrubSecrets(line)) };
  return pino(
    {
      level: options.level,
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Structural redaction for fields known to hold secrets; scrubbing above catches the rest.
      redact: {
        paths: [
          'accessKeySecret',
          'securityToken',
          'credentials',
          '*.accessKeySecret',
          '*.securityToken',
          '*.credentials',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[REDACTED]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    scrubbing,
  );
}
