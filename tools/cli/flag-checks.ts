/**
 * Checks for flag values, for `Cli.want`: each returns what is wrong with a value (naming it and what is
 * allowed), or `undefined` when it is fine.
 */
import { isAccountId } from '../../shared/ecs/ids.js';
import { isAlibabaCloudRegion, unknownRegionMessage } from '../../shared/ecs/regions.js';

export type FlagCheck = (value: string) => string | undefined;

const quoted = (value: string): string =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

export const REGION_ALLOWED = 'an Alibaba Cloud region id, like cn-hangzhou';

export const regionCheck: FlagCheck = (value) =>
  isAlibabaCloudRegion(value) ? undefined : unknownRegionMessage(value, quoted(value));

export const ACCOUNT_ALLOWED =
  'the Alibaba Cloud account id (UID), digits only; or set ALIBABA_CLOUD_ACCOUNT_ID';

export const accountCheck: FlagCheck = (value) =>
  isAccountId(value)
    ? undefined
    : `${quoted(value)} is not an account id (digits only, like 1234567890123456)`;

/** Account ids (UIDs) as the console shows them: 16 digits (cloud-facts IAM-8). */
export const uidCheck: FlagCheck = (value) =>
  /^\d{16}$/.test(value)
    ? undefined
    : `${quoted(value)} is not an account id (16 digits, like 1234567890123456)`;

export const oneOf =
  (...allowed: string[]): FlagCheck =>
  (value) =>
    allowed.includes(value) ? undefined : `${quoted(value)} is not one of ${allowed.join(', ')}`;

export const matching =
  (pattern: RegExp, what: string): FlagCheck =>
  (value) =>
    pattern.test(value) ? undefined : `${quoted(value)} is not ${what}`;

export const positiveInteger: FlagCheck = (value) =>
  /^[1-9]\d*$/.test(value) ? undefined : `${quoted(value)} is not a positive whole number`;
