/**
 * Bounds on what one invocation's event may hold. Beyond them the event (or batch element) is poison, not work:
 * a hostile or broken producer must not be able to make the decoder allocate, recurse or loop without limit.
 */

/** Largest event accepted, in bytes. Generous: far above what any FC trigger or async destination delivers. */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/** Deepest JSON nesting accepted. Real envelopes nest about 6 levels (batch → event → data → response → list). */
export const MAX_JSON_DEPTH = 64;

/** Most elements decoded from one batch (EventBridge's CountBasedWindow tops out at 10,000). */
export const MAX_BATCH_EVENTS = 10_000;

/** How many envelopes may wrap one another (FC onFailure record → MNS message → base64 body → …). */
export const MAX_WRAP_DEPTH = 4;

/**
 * Most instance refs one input decodes to, over all its events. Real events name far fewer: RunInstances creates
 * ≤ 100 instances (cloud-facts EV-27), a tag write names ≤ 50 (EV-17, EV-18), an EventBridge event is ≤ 256 KB
 * (EV-25, room for about 10,000 ids) and a batch holds one instance per event mostly. The engine batches (≤ 100
 * instances per ECS call), so 10,000 refs take some 300 calls. Refs beyond the budget are not dropped: each event
 * that overflowed becomes a `TooLarge` poison entry holding their ids, which redrive replays.
 */
export const MAX_REFS_PER_INPUT = 10_000;

/** Longest string considered as an instance id or ARN; anything longer is malformed without further parsing. */
export const MAX_RESOURCE_REF_LENGTH = 512;

/** How much of an undecodable input is kept as the poison record's `event` (the dead-letter body is ≤ 64 KB). */
export const MAX_POISON_TEXT_CHARS = 16 * 1024;
