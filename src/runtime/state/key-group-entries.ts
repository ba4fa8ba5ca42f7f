/**
 * A key group's canonical bytes (snapshot.ts) read entry by entry. Restoring a large key group this way holds
 * one decoded entry at a time instead of the whole group as objects, which take several times its bytes.
 */
import { decodeArrayElements } from '../codec/index.js';
import type { KeyedStateEntry } from './snapshot.js';

/** The entries of bytes written by encodeKeyGroup, decoded as they are iterated. */
export function keyGroupEntries(bytes: Uint8Array): Iterable<KeyedStateEntry> {
  return decodeArrayElements(bytes) as Iterable<KeyedStateEntry>;
}
