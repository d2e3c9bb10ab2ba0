/**
 * Whether a role's trust policy lets a RAM identity assume it (cloud-facts AC-6): an `Allow` statement covering
 * `sts:AssumeRole` whose `Principal.RAM` (a string or a list) names the caller's ARN or its account's root
 * (`acs:ram::<uid>:root`, every identity of that account); a `Deny` that names it wins. ARNs compare without case.
 */
const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const assumes = (action: unknown): boolean =>
  typeof action === 'string' && ['sts:assumerole', 'sts:*', '*'].includes(action.toLowerCase());

export function trustsRamPrincipal(document: string, callerArn: string, callerAccount: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return false;
  }
  if (!isObject(parsed)) return false;
  const names = new Set([callerArn.toLowerCase(), `acs:ram::${callerAccount}:root`]);
  let allowed = false;
  for (const statement of list(parsed.Statement)) {
    if (!isObject(statement) || !list(statement.Action).some(assumes)) continue;
    const principal = statement.Principal;
    const rams = isObject(principal) ? list(principal.RAM) : [];
    if (!rams.some((arn) => typeof arn === 'string' && names.has(arn.trim().toLowerCase()))) continue;
    const effect = typeof statement.Effect === 'string' ? statement.Effect.toLowerCase() : '';
    if (effect === 'deny') return false;
    if (effect === 'allow') allowed = true;
  }
  return allowed;
}
