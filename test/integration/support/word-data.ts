/**
 * Test data for the WordCount integration tests: a seeded text generator and the expected counts, computed
 * here without any flink-ts code.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../../src/util/seeded-random.js';
export { seededRandom };

const PUNCTUATION = [',', '.', '!', '?', ';', ':', '--', "'", '"', '(', ')', '-', '...'];

/**
 * About `bytes` of text: words from a skewed vocabulary (some very frequent, many rare), in lower, upper and
 * title case, glued to punctuation, digits and underscores (which are word characters), and some empty or
 * punctuation-only lines.
 */
export function generateText(seed: number, bytes: number, vocabularySize = 5000): string {
  const rnd = seededRandom(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary = new Set<string>();
  while (vocabulary.size < vocabularySize) {
    const len = 1 + Math.floor(rnd() * 10);
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(rnd() * letters.length)];
    if (rnd() < 0.03) w += `_${Math.floor(rnd() * 10)}`;
    vocabulary.add(w);
  }
  const words = [...vocabulary];
  const pick = (): string => {
    // The square skews towards the front of the list: a few words occur very often, most rarely.
    const w = words[Math.floor(rnd() * rnd() * words.length)] as string;
    const r = rnd();
    if (r < 0.1) return w.toUpperCase();
    if (r < 0.25) return w.charAt(0).toUpperCase() + w.slice(1);
    return w;
  };
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const r = rnd();
    let line: string;
    if (r < 0.04) line = '';
    else if (r < 0.05) line = '  --  !!  ';
    else {
      const n = 1 + Math.floor(rnd() * 14);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        let token = pick();
        if (rnd() < 0.3) token += PUNCTUATION[Math.floor(rnd() * PUNCTUATION.length)];
        if (rnd() < 0.05) token = PUNCTUATION[Math.floor(rnd() * PUNCTUATION.length)] + token;
        if (rnd() < 0.05) token += `-${pick()}`;
        parts.push(token);
      }
      line = parts.join(rnd() < 0.1 ? '\t' : ' ');
    }
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** Flink WordCount's semantics: lower-case, split on non-word characters, drop empty tokens. */
export function expectedCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    for (const word of line.toLowerCase().split(/\W+/)) {
      if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

export interface CountLine {
  word: string;
  count: number;
}

/** Parses `<word> <count>` lines; throws on any other line so a malformed output fails loudly. */
export function parseCountLines(text: string, where: string): CountLine[] {
  const out: CountLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^(\w+) (\d+)$/.exec(line);
    if (!m) throw new Error(`${where}: not a "<word> <count>" line: ${JSON.stringify(line)}`);
    out.push({ word: m[1] as string, count: Number(m[2]) });
  }
  return out;
}

/** The files of a parallel sink's output directory, by name, with their text. */
export async function readOutputDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name), 'utf8'));
  return files;
}

/** The first difference between two count maps, for a readable assertion message. */
export function diffCounts(actual: ReadonlyMap<string, number>, expected: ReadonlyMap<string, number>): string | undefined {
  for (const [w, c] of expected) {
    if (actual.get(w) !== c) return `word "${w}": expected ${c}, got ${actual.get(w)}`;
  }
  for (const [w, c] of actual) {
    if (!expected.has(w)) return `unexpected word "${w}" (count ${c})`;
  }
  return undefined;
}
