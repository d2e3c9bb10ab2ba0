import { randomInt } from 'node:crypto';
import { ALIBABA_CLOUD_REGIONS } from '../../shared/ecs/regions.js';

/**
 * Regions the emulator knows, and the 3-character prefix real instance ids carry in each (`i-bp1…` in
 * cn-hangzhou, `i-uf6…` in cn-shanghai). The prefixes are the ones seen in public docs and samples, only there
 * so new ids look like real ones; a known region without one gets `xx0`. Nothing may depend on them.
 */
const INSTANCE_ID_PREFIXES: Readonly<Record<string, string>> = {
  'cn-hangzhou': 'bp1',
  'cn-shanghai': 'uf6',
  'cn-beijing': '2ze',
  'cn-shenzhen': 'wz9',
  'cn-qingdao': 'm5e',
  'cn-zhangjiakou': '8vb',
  'cn-huhehaote': 'hp3',
  'cn-hongkong': 'j6c',
  'ap-southeast-1': 't4n',
  'ap-northeast-1': '6we',
  'us-west-1': 'rj9',
  'eu-central-1': 'gw8',
};

/** The regions ECS answers in: every open one of Alibaba Cloud's (a closed region's endpoint is gone). */
const KNOWN_REGIONS: ReadonlySet<string> = new Set(
  ALIBABA_CLOUD_REGIONS.filter((r) => r.closed !== true).map((r) => r.id),
);

const FALLBACK_PREFIX = 'xx0';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** `i-` + prefix + random part: 22 characters, like today's real ids. */
const INSTANCE_ID_LENGTH = 22;

export function isKnownRegion(region: string): boolean {
  return KNOWN_REGIONS.has(region);
}

/** A fresh instance id for the region that `taken` does not hold. */
export function newInstanceId(region: string, taken: (id: string) => boolean): string {
  const prefix = `i-${INSTANCE_ID_PREFIXES[region] ?? FALLBACK_PREFIX}`;
  for (;;) {
    let id = prefix;
    while (id.length < INSTANCE_ID_LENGTH) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    if (!taken(id)) return id;
  }
}
