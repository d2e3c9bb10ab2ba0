/**
 * Reads a RAM role's trust policy (GetRole's `AssumeRolePolicyDocument`, a JSON string) and says whether it lets
 * a service assume the role. Pure. RAM documents take a string or a list for `Statement`, `Action` and
 * `Principal.Service` (cloud-facts IAM-1, RM-3), so every form is read; a `Deny` for the service wins over any
 * `Allow` (RM-4), and a `Condition` on the allowing statement is reported, not evaluated.
 */

/** How a trust policy treats one service principal. */
export type ServiceTrust =
  | { trusted: true; conditional: boolean }
  | { trusted: false; reason: 'not-named' | 'denied' };

export type TrustPolicyReading =
  | { ok: true; trust(service: string): ServiceTrust }
  | { ok: false; problem: string };

/** The service principal ECS assumes instance roles as (cloud-facts RAM-3). */
export const ECS_SERVICE = 'ecs.aliyuncs.com';

type Json = unknown;

const list = (value: Json): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `sts:AssumeRole`, or a wildcard that covers it (`sts:*`, `*`); action names are case-insensitive. */
function coversAssumeRole(action: Json): boolean {
  if (typeof action !== 'string') return false;
  const a = action.toLowerCase();
  return a === 'sts:assumerole' || a === 'sts:*' || a === '*';
}

interface ReadStatement {
  effect: 'allow' | 'deny' | 'other';
  assumes: boolean;
  services: string[];
  conditional: boolean;
}

function readStatement(statement: Json): ReadStatement | undefined {
  if (!isObject(statement)) return undefined;
  const effect = typeof statement.Effect === 'string' ? statement.Effect.toLowerCase() : '';
  const principal = statement.Principal;
  const services = isObject(principal)
    ? list(principal.Service).flatMap((s) => (typeof s === 'string' ? [s.trim().toLowerCase()] : []))
    : [];
  return {
    effect: effect === 'allow' || effect === 'deny' ? effect : 'other',
    assumes: list(statement.Action).some(coversAssumeRole),
    services,
    conditional: isObject(statement.Condition) && Object.keys(statement.Condition).length > 0,
  };
}

export function readTrustPolicy(document: string | undefined | null): TrustPolicyReading {
  if (document === undefined || document === null || document.trim() === '') {
    return { ok: false, problem: 'the role has no trust policy document' };
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(document);
  } catch (error) {
    return {
      ok: false,
      problem: `the trust policy is not JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (!isObject(parsed)) return { ok: false, problem: 'the trust policy is not a JSON object' };
  if (parsed.Statement === undefined) return { ok: false, problem: 'the trust policy has no Statement' };
  const statements = list(parsed.Statement).flatMap((statement) => {
    const read = readStatement(statement);
    return read?.assumes ? [read] : [];
  });
  return {
    ok: true,
    trust(service) {
      const wanted = service.toLowerCase();
      const naming = statements.filter((s) => s.services.includes(wanted));
      if (naming.some((s) => s.effect === 'deny')) return { trusted: false, reason: 'denied' };
      const allowing = naming.filter((s) => s.effect === 'allow');
      if (allowing.length === 0) return { trusted: false, reason: 'not-named' };
      // Conditional only when every statement that allows it has a condition.
      return { trusted: true, conditional: allowing.every((s) => s.conditional) };
    },
  };
}

/** A trust policy letting these services assume the role, in the form RAM and the console write it. */
export function serviceTrustPolicy(services: readonly string[]): {
  Statement: [{ Action: 'sts:AssumeRole'; Effect: 'Allow'; Principal: { Service: string[] } }];
  Version: '1';
} {
  return {
    Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: [...services] } }],
    Version: '1',
  };
}
