/**
 * Every Alibaba Cloud region id a policy, a command-line flag or the local emulators may name (cloud-facts REG-1
 * to REG-4). A region launched after this table was written is rejected until it is added here: append it, with
 * its source in docs/cloud-facts.md.
 */
import { closestMatch } from '../text/did-you-mean.js';

export interface AlibabaCloudRegion {
  readonly id: string;
  /** The name Alibaba Cloud's documentation gives it, e.g. `China (Hangzhou)`. */
  readonly name: string;
  /** `finance` and `government` regions are open only to accounts of those clouds (cloud-facts REG-3). */
  readonly cloud: 'public' | 'finance' | 'government';
  /** Shut down: the id is real but nothing can run there any more (cloud-facts REG-2). */
  readonly closed?: true;
}

const region = (
  id: string,
  name: string,
  cloud: AlibabaCloudRegion['cloud'] = 'public',
  closed = false,
): AlibabaCloudRegion => (closed ? { id, name, cloud, closed: true } : { id, name, cloud });

/** In the order of Alibaba Cloud's region lists; a "did you mean" tie goes to the earlier one. */
export const ALIBABA_CLOUD_REGIONS: readonly AlibabaCloudRegion[] = [
  region('cn-hangzhou', 'China (Hangzhou)'),
  region('cn-shanghai', 'China (Shanghai)'),
  region('cn-qingdao', 'China (Qingdao)'),
  region('cn-beijing', 'China (Beijing)'),
  region('cn-zhangjiakou', 'China (Zhangjiakou)'),
  region('cn-huhehaote', 'China (Hohhot)'),
  region('cn-wulanchabu', 'China (Ulanqab)'),
  region('cn-shenzhen', 'China (Shenzhen)'),
  region('cn-heyuan', 'China (Heyuan)'),
  region('cn-guangzhou', 'China (Guangzhou)'),
  region('cn-chengdu', 'China (Chengdu)'),
  region('cn-nanjing', 'China (Nanjing - Local Region)'),
  region('cn-fuzhou', 'China (Fuzhou - Local Region)'),
  region('cn-wuhan-lr', 'China (Wuhan - Local Region)'),
  region('cn-zhengzhou-jva', 'Zhengzhou (China Unicom Joint Venture)'),
  region('cn-hongkong', 'China (Hong Kong)'),
  region('ap-northeast-1', 'Japan (Tokyo)'),
  region('ap-northeast-2', 'South Korea (Seoul)'),
  region('ap-southeast-1', 'Singapore'),
  region('ap-southeast-3', 'Malaysia (Kuala Lumpur)'),
  region('ap-southeast-5', 'Indonesia (Jakarta)'),
  region('ap-southeast-6', 'Philippines (Manila)'),
  region('ap-southeast-7', 'Thailand (Bangkok)'),
  region('ap-southeast-8', 'Malaysia (Johor)'),
  region('us-west-1', 'US (Silicon Valley)'),
  region('us-east-1', 'US (Virginia)'),
  region('us-southeast-1', 'US (Atlanta)'),
  region('eu-central-1', 'Germany (Frankfurt)'),
  region('eu-west-1', 'UK (London)'),
  region('me-east-1', 'UAE (Dubai)'),
  region('me-central-1', 'Saudi Arabia (Riyadh)'),
  region('ap-southeast-2', 'Australia (Sydney)', 'public', true),
  region('ap-south-1', 'India (Mumbai)', 'public', true),
  region('cn-shanghai-finance-1', 'China East 2 Finance', 'finance'),
  region('cn-shenzhen-finance-1', 'China South 1 Finance', 'finance'),
  region('cn-beijing-finance-1', 'China North 2 Finance', 'finance'),
  region('cn-north-2-gov-1', 'China North 2 Ali Gov 1', 'government'),
];

const BY_ID: ReadonlyMap<string, AlibabaCloudRegion> = new Map(ALIBABA_CLOUD_REGIONS.map((r) => [r.id, r]));

export const findRegion = (id: string): AlibabaCloudRegion | undefined => BY_ID.get(id);

export const isAlibabaCloudRegion = (value: unknown): value is string =>
  typeof value === 'string' && BY_ID.has(value);

const OPEN_IDS = ALIBABA_CLOUD_REGIONS.filter((r) => r.closed !== true).map((r) => r.id);

/** Longer input is no misspelt region id, and not worth comparing (it may be hostile). */
const MAX_SUGGESTION_INPUT = 40;

/** The open region id `input` was probably meant to be (`cn-hangzou` → `cn-hangzhou`), if any. */
export const suggestRegion = (input: string): string | undefined =>
  input.length > MAX_SUGGESTION_INPUT
    ? undefined
    : closestMatch(input.toLowerCase().replaceAll('_', '-'), OPEN_IDS);

/**
 * `"cn-hangzou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)`, the same wherever a region id
 * is checked; `quoted` is the input as the caller renders untrusted text.
 */
export function unknownRegionMessage(input: string, quoted: string): string {
  const suggestion = suggestRegion(input);
  const hint =
    suggestion === undefined
      ? 'like "cn-hangzhou"; the known ids are listed in shared/ecs/regions.ts'
      : `did you mean ${JSON.stringify(suggestion)}?`;
  return `${quoted} is not an Alibaba Cloud region id (${hint})`;
}
