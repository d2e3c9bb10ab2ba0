/**
 * Where `apply` sends its failures. On an operator's machine the failures are on the screen (and in `--json`), so
 * nothing is dead-lettered unless asked for with a flag: the function's DEAD_LETTER_TOPIC / DEAD_LETTER_QUEUE in
 * the shell are not read, since a variable left over from `npm run invoke` would page on-call about a run someone
 * is watching. Asked for, the records go exactly where the function's go (one per instance, same schema), so the
 * alerting and `npm run redrive` treat them alike.
 */
import { MNS_ENDPOINT, MNS_NAME } from '../../../shared/config/config.js';
import type { CredentialProvider } from '../../../shared/credentials/credentials.js';
import { resolveCredentials } from '../../../shared/credentials/credentials.js';
import type { DeadLetterRecord } from '../../../shared/dead-letter/dead-letter-record.js';
import type { Deadline } from '../../../shared/retry/deadline.js';
import type { Cli } from '../../cli.js';
import { ACCOUNT_ALLOWED, accountCheck, matching, REGION_ALLOWED, regionCheck } from '../flag-checks.js';
import { ECS_RETRY } from './run-fleet.js';

export const DEAD_LETTER_OPTIONS = {
  'dead-letter-topic': { type: 'string' },
  'dead-letter-queue': { type: 'string' },
  'mns-account': { type: 'string' },
  'mns-region': { type: 'string' },
  'mns-endpoint': { type: 'string' },
} as const;

export const DEAD_LETTER_HELP = `  --dead-letter-topic T | --dead-letter-queue Q
                    also send each failed instance's dead-letter record to this MNS topic (alerted, kept for
                    redrive; \`npm run setup\` made ram-role-attacher-failures) or queue, as the function does;
                    without either, failures are only printed (the function's DEAD_LETTER_* are not read)
  --mns-account A   the account the topic or queue is in, the function's (default: ALIBABA_CLOUD_ACCOUNT_ID)
  --mns-region R    the region of that topic or queue (default: the first region walked)
  --mns-endpoint URL
                    MNS's endpoint (default https://<account>.mns.<region>.aliyuncs.com); for the emulators`;

export type DeadLetterSend = (records: readonly DeadLetterRecord[], deadline: Deadline) => Promise<void>;

export interface DeadLetterTarget {
  kind: 'topic' | 'queue';
  name: string;
  accountId: string;
  regionId: string;
  endpoint: string | undefined;
}

interface DeadLetterValues {
  'dead-letter-topic'?: string | undefined;
  'dead-letter-queue'?: string | undefined;
  'mns-account'?: string | undefined;
  'mns-region'?: string | undefined;
  'mns-endpoint'?: string | undefined;
}

/** The checked flags, or `undefined` when no dead-letter target was asked for. */
export function deadLetterTarget(
  cli: Cli,
  values: DeadLetterValues,
  firstRegion: string,
): DeadLetterTarget | undefined {
  const topic = values['dead-letter-topic'];
  const queue = values['dead-letter-queue'];
  if (topic !== undefined && queue !== undefined) {
    return cli.usageError('--dead-letter-topic and --dead-letter-queue: give one of them, not both');
  }
  if (topic === undefined && queue === undefined) {
    for (const flag of ['mns-account', 'mns-region', 'mns-endpoint'] as const) {
      if (values[flag] !== undefined)
        cli.usageError(`--${flag} is only for --dead-letter-topic or --dead-letter-queue`);
    }
    return undefined;
  }
  const kind = topic === undefined ? 'queue' : 'topic';
  const flag = `dead-letter-${kind}`;
  const name = cli.want(
    flag,
    topic ?? queue,
    'an MNS name',
    // The function's own rule for DEAD_LETTER_TOPIC / DEAD_LETTER_QUEUE: a name it takes, apply takes.
    matching(MNS_NAME, 'an MNS name (letters, digits, "-", at most 120)'),
  );
  const accountId = cli.want(
    'mns-account',
    values['mns-account'] ?? process.env.ALIBABA_CLOUD_ACCOUNT_ID,
    ACCOUNT_ALLOWED,
    accountCheck,
  );
  const regionId =
    values['mns-region'] === undefined
      ? firstRegion
      : cli.want('mns-region', values['mns-region'], REGION_ALLOWED, regionCheck);
  const endpoint =
    values['mns-endpoint'] === undefined
      ? undefined
      : cli
          .want(
            'mns-endpoint',
            values['mns-endpoint'],
            'http(s)://host[:port]',
            matching(MNS_ENDPOINT, 'an http(s):// URL with no path'),
          )
          .replace(/\/$/, '');
  return { kind, name, accountId, regionId, endpoint };
}

/** Sends records as the function's sinks do (`MnsDeadLetterTopic` / `MnsDeadLetterQueue`, their retries). */
export function deadLetterSender(target: DeadLetterTarget, credential: CredentialProvider): DeadLetterSend {
  const client = async (timeoutMs: number) =>
    (await import('../../../shared/mns/mns-client.js')).createMnsClient({
      keys: await resolveCredentials(credential),
      accountId: target.accountId,
      regionId: target.regionId,
      endpoint: target.endpoint,
      timeoutMs,
    });
  return async (records, deadline) => {
    // The sweep's references carry no account; the records say whose instances these are.
    const stamped = records.map((r) =>
      r.accountId === undefined ? { ...r, accountId: target.accountId } : r,
    );
    const sink =
      target.kind === 'topic'
        ? new (await import('../../../shared/dead-letter/dead-letter-topic.js')).MnsDeadLetterTopic({
            topicName: target.name,
            client,
            ...ECS_RETRY,
          })
        : new (await import('../../../shared/dead-letter/dead-letter-queue.js')).MnsDeadLetterQueue({
            queueName: target.name,
            client,
            ...ECS_RETRY,
          });
    await sink.send(stamped, deadline);
  };
}
