/**
 * Credentials for member accounts: STS AssumeRole into `acs:ram::<account>:role/<member role>` (cloud-facts AC-1,
 * AC-7), one call per account per expiry window. Kept by the handler across invocations (one per cold start, no
 * module state), refreshed shortly before expiry by an injected clock, and shared by concurrent invocations
 * (one AssumeRole in flight per account). Secrets are registered with the logger, so no line can print them.
 */
import { registerSecret } from '../logging/logger.js';
import { type CredentialProvider, contextProvider } from './credentials.js';
import type { AssumedCredentials, AssumeRole } from './sts-client.js';

/** STS's minimum DurationSeconds (AC-2); the default role's maximum is 3600. */
export const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 3600;
/** Renewed this long before expiry, so no call starts with keys about to lapse. */
export const REFRESH_BEFORE_MS = 5 * 60_000;

/** A session name STS accepts under both documented lengths (2–32 of `[A-Za-z0-9.@_-]`, AC-3). */
export function sessionName(functionName: string, requestId: string): string {
  const fn = functionName.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 11) || 'fn';
  const request = requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32 - fn.length - 1);
  const name = `${fn}@${request}`;
  return name.length >= 2 ? name : `${name}x`;
}

/** As short as the invocation allows: its timeout plus the refresh margin, within STS's bounds (AC-2). */
export function durationFor(timeoutSeconds: number): number {
  const needed = Math.ceil(timeoutSeconds + REFRESH_BEFORE_MS / 1000);
  return Math.min(MAX_DURATION_SECONDS, Math.max(MIN_DURATION_SECONDS, needed));
}

/** `acs:ram::<account>:role/<name>`; the name in lower case, as RAM shows it in ARNs (AC-7). */
export const memberRoleArn = (accountId: string, roleName: string): string =>
  `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;

export interface MemberCredentialsOptions {
  assumeRole: AssumeRole;
  roleName: string;
  functionName: string;
  now: () => number;
}

export interface AssumeRequest {
  accountId: string;
  /** The function role's credentials, which call STS. */
  caller: CredentialProvider;
  requestId: string;
  timeoutSeconds: number;
  /** The keys must stay valid at least until then (the invocation's end). */
  neededUntil: number;
}

export class MemberCredentials {
  readonly #options: MemberCredentialsOptions;
  readonly #cache = new Map<string, AssumedCredentials>();
  readonly #inFlight = new Map<string, Promise<AssumedCredentials>>();
  /** AssumeRole calls made, for tests and the summary log. */
  calls = 0;

  constructor(options: MemberCredentialsOptions) {
    this.#options = options;
  }

  /** A provider with the account's temporary keys; throws the STS error when AssumeRole fails. */
  async provider(request: AssumeRequest): Promise<CredentialProvider> {
    const keys = await this.keys(request);
    // The same static STS provider as FC's own keys get: `@alicloud/credentials` stays unloaded (CS-1).
    return contextProvider(keys);
  }

  async keys(request: AssumeRequest): Promise<AssumedCredentials> {
    const cached = this.#cache.get(request.accountId);
    if (cached !== undefined && this.#usable(cached, request.neededUntil)) return cached;
    const pending = this.#inFlight.get(request.accountId);
    if (pending !== undefined) return pending;
    const assumed = this.#assume(request).finally(() => this.#inFlight.delete(request.accountId));
    this.#inFlight.set(request.accountId, assumed);
    return assumed;
  }

  #usable(keys: AssumedCredentials, neededUntil: number): boolean {
    const now = this.#options.now();
    return keys.expiresAt - REFRESH_BEFORE_MS > now && keys.expiresAt - 60_000 >= neededUntil;
  }

  async #assume(request: AssumeRequest): Promise<AssumedCredentials> {
    const { assumeRole, roleName, functionName } = this.#options;
    this.calls++;
    const keys = await assumeRole(request.caller, {
      roleArn: memberRoleArn(request.accountId, roleName),
      sessionName: sessionName(functionName, request.requestId),
      durationSeconds: durationFor(request.timeoutSeconds),
    });
    registerSecret(keys.accessKeySecret);
    registerSecret(keys.securityToken);
    this.#cache.set(request.accountId, keys);
    return keys;
  }
}
