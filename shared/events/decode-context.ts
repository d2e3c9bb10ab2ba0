import type { DecodeOptions } from './decoded-event.js';
import type { RefSink } from './ref-sink.js';

/** What every envelope decoder is handed besides the envelope itself. */
export interface DecodeContext {
  readonly options: DecodeOptions;
  readonly sink: RefSink;
  /** How many envelopes wrap the one being decoded (0 at the top). */
  readonly wrapDepth: number;
  /** The wrapping envelope's id, for inner events that carry none (RawData inside an MNS message…). */
  readonly fallbackEventId?: string;
  /**
   * Decodes a payload carried inside this envelope (an onFailure `requestPayload`, an MNS `messageBody`): one
   * event or an array of them, one wrap level deeper. Inner events that are poison are recorded, not thrown.
   */
  readonly decodeNested: (value: unknown, path: string, fallbackEventId: string | undefined) => void;
}
