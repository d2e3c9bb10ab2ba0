import type { TargetAnswer } from '../../../../shared/alerts/targets/target.js';

export function answer(status: number, body: string, headers: Record<string, string> = {}): TargetAnswer {
  return { status, body, headers: new Headers(headers) };
}
