/**
 * What `check-roles` concludes about one allowed role from RAM's answer to GetRole. Pure: the answer comes in,
 * a verdict comes out, every branch testable as data.
 */
import { ECS_SERVICE, readTrustPolicy } from '../../../shared/ram/trust-policy.js';

/** RAM's answer for one role name. */
export type GetRoleAnswer =
  | { kind: 'found'; arn: string; assumeRolePolicyDocument: string | undefined }
  | { kind: 'missing' }
  | { kind: 'failed'; code: string; message: string };

export type RoleStatus = 'ok' | 'missing' | 'not-trusted' | 'unreadable' | 'failed';

export interface RoleCheck {
  role: string;
  status: RoleStatus;
  /** Whether GetRole found it (null: the call failed, so nobody knows). */
  exists: boolean | null;
  arn?: string;
  /** Whether its trust policy lets ecs.aliyuncs.com assume it (null: unknown). */
  trustsEcs: boolean | null;
  /** The statement that trusts ECS carries a Condition (not evaluated here). */
  conditional: boolean;
  /** What is wrong, or what to look at, in words. */
  note?: string;
}

export function checkRole(role: string, answer: GetRoleAnswer): RoleCheck {
  switch (answer.kind) {
    case 'missing':
      return {
        role,
        status: 'missing',
        exists: false,
        trustsEcs: null,
        conditional: false,
        note: 'no such role in RAM (EntityNotExist.Role): create it, or remove it from allowedRoles',
      };
    case 'failed':
      return {
        role,
        status: 'failed',
        exists: null,
        trustsEcs: null,
        conditional: false,
        note: `GetRole failed: ${answer.code}: ${answer.message}`,
      };
    case 'found': {
      const reading = readTrustPolicy(answer.assumeRolePolicyDocument);
      if (!reading.ok) {
        return {
          role,
          status: 'unreadable',
          exists: true,
          arn: answer.arn,
          trustsEcs: null,
          conditional: false,
          note: reading.problem,
        };
      }
      const trust = reading.trust(ECS_SERVICE);
      if (!trust.trusted) {
        return {
          role,
          status: 'not-trusted',
          exists: true,
          arn: answer.arn,
          trustsEcs: false,
          conditional: false,
          note:
            trust.reason === 'denied'
              ? `its trust policy denies ${ECS_SERVICE} sts:AssumeRole`
              : `its trust policy does not let ${ECS_SERVICE} assume it (Principal.Service): ECS will answer InvalidRamRole.NotEcsRole`,
        };
      }
      return {
        role,
        status: 'ok',
        exists: true,
        arn: answer.arn,
        trustsEcs: true,
        conditional: trust.conditional,
        ...(trust.conditional
          ? { note: 'trusted under a Condition: check that ECS meets it (not evaluated here)' }
          : {}),
      };
    }
  }
}

/** Exit status: 0 when every role exists and trusts ECS, 1 otherwise. */
export const allGood = (checks: readonly RoleCheck[]): boolean => checks.every((c) => c.status === 'ok');
