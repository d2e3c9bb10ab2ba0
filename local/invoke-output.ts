/** What `npm run invoke` prints about one invocation: the summary line and the dead letters it wrote. */
import type { Summary } from '../shared/attach/outcomes.js';
import type { DeadLetterMessage } from '../shared/dead-letter/dead-letter-message.js';

export interface Invocation {
  summary: Summary;
  /** Every message the invocation left in the dead-letter queue. */
  deadLetters: readonly DeadLetterMessage[];
}

/**
 * The last line on stdout, one JSON object: the handler's `{counts, results}`, plus the poison and all
 * dead-letter records it wrote (the stack is fresh: its queue holds this invocation's records only).
 */
export function summaryLine({ summary, deadLetters }: Invocation): string {
  const poison = deadLetters.filter((m) => m.kind === 'record' && m.record.kind === 'poison').length;
  return JSON.stringify({ ...summary, poison, deadLetters: deadLetters.length });
}

/** The dead letters as one JSON line (`--dead-letters`): the records as the function wrote them. */
export const deadLettersLine = ({ deadLetters }: Invocation): string =>
  JSON.stringify(deadLetters.map(messageContent));

/** One stderr line per dead letter, for a person: kind, code, instance, then the whole record. */
export const deadLetterNotes = ({ deadLetters }: Invocation): string[] => deadLetters.map(deadLetterNote);

function deadLetterNote(m: DeadLetterMessage): string {
  if (m.kind === 'fc-failure') return `dead letter: FC onFailure record: ${JSON.stringify(m.record)}`;
  if (m.kind === 'unreadable') return `dead letter: unreadable (${m.reason}): ${m.body}`;
  const r = m.record;
  const where = r.kind === 'poison' ? '' : ` ${r.instanceId}${r.regionId ? ` (${r.regionId})` : ''}`;
  return `dead letter: ${r.kind} ${r.error.code}${where}: ${JSON.stringify(r)}`;
}

function messageContent(m: DeadLetterMessage): unknown {
  return m.kind === 'unreadable' ? { unreadable: m.reason, body: m.body } : m.record;
}
