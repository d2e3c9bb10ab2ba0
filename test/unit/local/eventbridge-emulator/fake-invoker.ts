import type { FunctionInvoker, InvokeResult } from '../../../../shared/fc/function-invoker.js';

export interface Invocation {
  functionName: string;
  async: boolean;
  payload: unknown;
  at: number;
}

/**
 * A `FunctionInvoker` that records every invocation (payload parsed as JSON when it is JSON) and answers with
 * `respond` (default: success). Our own interface, so a fake is fair where FC is not the subject.
 */
export class FakeInvoker implements FunctionInvoker {
  readonly calls: Invocation[] = [];

  constructor(
    public respond: (call: Invocation) => InvokeResult | Promise<InvokeResult> = () => ({ ok: true }),
  ) {}

  async invoke(functionName: string, payload: Buffer, options: { async: boolean }): Promise<InvokeResult> {
    const text = payload.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const call = { functionName, async: options.async, payload: parsed, at: Date.now() };
    this.calls.push(call);
    return this.respond(call);
  }
}
