import { MAX_LISTED_INSTANCES } from '../alert-group.js';

/** Bytes of `text` in UTF-8: the unit WeCom, DingTalk and Lark size limits are stated in. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const ELLIPSIS = '…';

export interface TruncateOptions {
  /** Spans that must stay whole (a markdown link, a Slack `<url|text>`): a cut inside one moves before it. */
  atomic?: RegExp;
}

/**
 * `text` cut to at most `maxChars` UTF-16 code units, ellipsis included. Cuts only between graphemes, so never
 * inside a surrogate pair or an emoji sequence, and never inside an `atomic` span.
 */
export function truncateText(text: string, maxChars: number, options: TruncateOptions = {}): string {
  if (text.length <= maxChars) return text;
  const room = maxChars - ELLIPSIS.length;
  if (room <= 0) return maxChars >= ELLIPSIS.length ? ELLIPSIS : '';
  let cut = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > room) break;
    cut = index + segment.length;
  }
  if (options.atomic) {
    const pattern = new RegExp(
      options.atomic.source,
      options.atomic.flags.includes('g') ? options.atomic.flags : `${options.atomic.flags}g`,
    );
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (start < cut && end > cut) {
        cut = start;
        break;
      }
      if (start >= cut) break;
    }
  }
  return `${text.slice(0, cut).trimEnd()}${ELLIPSIS}`;
}

/** A markdown link `[text](url)`, which DingTalk, WeCom and Lark render. */
export const MARKDOWN_LINK = /\[[^\]\n]*\]\([^)\s]*\)/g;
/** A Slack mrkdwn link or mention `<…>`. */
export const SLACK_LINK = /<[^>\n]*>/g;

/**
 * The richest rendering that fits: tries text budgets from generous to terse, and at each the most listed
 * instances that fit (binary search: size grows with the count). The first `minListed` instances (default: the
 * ten a group lists, MAX_LISTED_INSTANCES) are kept in preference to long text: text shrinks first, and only
 * the tersest budget gives up instances. Rendering never fails: the last, smallest attempt is returned even if it
 * is still too large (the service then refuses it, which is logged as a configuration error).
 */
export function fitRendering<T>(
  listed: number,
  render: (shown: number, textMax: number) => T,
  fits: (rendered: T) => boolean,
  options: { textBudgets?: readonly number[]; minListed?: number } = {},
): T {
  const budgets = options.textBudgets ?? TEXT_BUDGETS;
  const minListed = Math.min(listed, options.minListed ?? MAX_LISTED_INSTANCES);
  let smallest: T | undefined;
  for (const [i, textMax] of budgets.entries()) {
    const last = i === budgets.length - 1;
    const full = render(listed, textMax);
    if (fits(full)) return full;
    let lo = 0;
    let hi = listed - 1;
    let best: T | undefined;
    let bestShown = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const attempt = render(mid, textMax);
      if (fits(attempt)) {
        best = attempt;
        bestShown = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (best !== undefined && (bestShown >= minListed || last)) return best;
    if (last) smallest = render(0, textMax);
  }
  return smallest ?? render(0, 0);
}

/** Longest message, advice or field value, in characters, at each level of `fitRendering`. */
export const TEXT_BUDGETS: readonly number[] = [2000, 1000, 500, 200, 80];
