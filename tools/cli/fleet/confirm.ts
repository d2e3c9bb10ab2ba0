/** Asking a person before `apply` writes: only on a terminal, only `yes` goes ahead (as terraform apply asks). */
import { createInterface } from 'node:readline/promises';

export interface Stdin extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/** Whether the answer to `question` (written to `output`) is `yes`; end of input is a no. */
export async function confirm(
  input: Stdin,
  output: NodeJS.WritableStream | { write(text: string): unknown },
  question: string,
): Promise<boolean> {
  const rl = createInterface({ input, output: output as NodeJS.WritableStream, terminal: false });
  try {
    const ended = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    const answer = await Promise.race([rl.question(question), ended]);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
