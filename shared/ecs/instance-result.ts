import type { InstanceResult } from './ecs-gateway.js';

/**
 * One per-instance result of AttachInstanceRamRole or DetachInstanceRamRole as the service may send it. The
 * fields are `unknown` on purpose: the documented samples disagree on `Code` (`"200"` or `200`) and on whether
 * `Success` is there at all (cloud-facts ECS-12), so nothing is assumed about their types.
 */
export interface RawInstanceResult {
  instanceId?: unknown;
  code?: unknown;
  message?: unknown;
  success?: unknown;
}

/** The success code of a per-instance result, in whichever form it comes. */
const OK_CODE = '200';

function codeOf(code: unknown): string | undefined {
  if (typeof code === 'string') return code.trim() === '' ? undefined : code.trim();
  if (typeof code === 'number' && Number.isFinite(code)) return String(code);
  return undefined;
}

/**
 * Normalises one result: `Code` `"200"` or `200`, or no code with `Success: true`, is success; anything else is a
 * failure with the code as a string (`UnknownError` when there is none).
 */
export function readInstanceResult(instanceId: string, raw: RawInstanceResult): InstanceResult {
  const code = codeOf(raw.code);
  const message = typeof raw.message === 'string' ? raw.message : '';
  if (code === OK_CODE || (code === undefined && raw.success === true)) {
    return { instanceId, ok: true, code: OK_CODE, message };
  }
  return { instanceId, ok: false, code: code ?? 'UnknownError', message };
}

/**
 * Maps a batch write's per-instance results back to the ids sent. HTTP 200 can carry failures; an id the answer
 * does not mention is reported as `NoResult`, so the caller re-reads it rather than assuming either way.
 */
export function perInstance(
  sent: readonly string[],
  results: readonly RawInstanceResult[],
): InstanceResult[] {
  const byId = new Map<string, RawInstanceResult>();
  for (const r of results) if (typeof r.instanceId === 'string' && r.instanceId) byId.set(r.instanceId, r);
  return sent.map((instanceId) => {
    const r = byId.get(instanceId);
    if (r === undefined) {
      return {
        instanceId,
        ok: false,
        code: 'NoResult',
        message: 'the response did not mention this instance',
      };
    }
    return readInstanceResult(instanceId, r);
  });
}
