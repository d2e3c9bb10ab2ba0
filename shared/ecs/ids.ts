/**
 * Formats of the identifiers that cross trust boundaries (events, tags, seeds). Anything that reaches an ECS
 * call or a log line passes one of these first.
 */

/** `i-` and 8–32 lower-case letters or digits (`i-bp1aaaaaaaaaaaaaaaa1`; older ids are shorter). */
export const INSTANCE_ID = /^i-[a-z0-9]{8,32}$/;

/** `cn-hangzhou`, `ap-southeast-1`, `cn-shanghai-finance-1`. */
export const REGION_ID = /^[a-z]{2}(?:-[a-z0-9]+){1,4}$/;

/** Alibaba Cloud account (UID): digits only. */
export const ACCOUNT_ID = /^\d{1,20}$/;

/** RAM role names: 1–64 letters, digits, `.` and `-`. */
export const ROLE_NAME = /^[A-Za-z0-9.-]{1,64}$/;

export const isInstanceId = (value: unknown): value is string =>
  typeof value === 'string' && INSTANCE_ID.test(value);
export const isRegionId = (value: unknown): value is string =>
  typeof value === 'string' && REGION_ID.test(value);
export const isAccountId = (value: unknown): value is string =>
  typeof value === 'string' && ACCOUNT_ID.test(value);
export const isRoleName = (value: unknown): value is string =>
  typeof value === 'string' && ROLE_NAME.test(value);
