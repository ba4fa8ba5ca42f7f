/**
 * Checks of the exactly-once programs (support/checkpoint-programs.ts): what a run committed, whether it is
 * exact, where its checkpoints are, and the job id `bin/flink run` printed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandResult } from './standalone-cluster.js';

export function submittedJobId(r: CommandResult): string {
  const m = /Job has been submitted with JobID ([0-9a-f]{32})/.exec(r.stdout);
  assert.ok(m, `no JobID in the output\n${r.describe}`);
  return m[1] as string;
}

/** Every committed line of the sink's visible files (in bucket directories too; hidden and temporary files skipped). */
export async function committed(dir: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name.endsWith('.tmp')) continue;
    if (e.isDirectory()) {
      for (const r of await committed(join(dir, e.name))) out.push(r);
      continue;
    }
    for (const line of (await readFile(join(dir, e.name), 'utf8')).split('\n')) if (line) out.push(JSON.parse(line) as unknown[]);
  }
  return out;
}

/**
 * Checks the committed output of exactlyOnceJob: returns what is wrong, or [] when it is exact. With
 * `atLeastOnce`, duplicates are allowed and only losses count.
 */
export function exactlyOnceProblems(records: unknown[][], n: number, atLeastOnce = false): string[] {
  const problems: string[] = [];
  const seen = new Map<number, number>();
  const countsPerKey = new Map<number, number[]>();
  const windows = new Map<string, number>();
  for (const r of records) {
    if (r[0] === 'n') {
      const x = r[1] as number;
      seen.set(x, (seen.get(x) ?? 0) + 1);
      const k = x % 13;
      const list = countsPerKey.get(k) ?? [];
      list.push(r[2] as number);
      countsPerKey.set(k, list);
    } else {
      const key = `${String(r[1])}@${String(r[2])}`;
      if (windows.has(key) && !atLeastOnce) problems.push(`window ${key} committed twice`);
      windows.set(key, Math.max(windows.get(key) ?? 0, r[3] as number));
    }
  }
  const missing = [];
  for (let x = 0; x < n; x++) if (!seen.has(x)) missing.push(x);
  if (missing.length > 0) problems.push(`${missing.length} records lost, e.g. ${missing.slice(0, 5).join(', ')}`);
  const dups = [...seen].filter(([, c]) => c > 1);
  if (dups.length > 0 && !atLeastOnce) {
    problems.push(`${dups.length} records committed more than once, e.g. ${dups.slice(0, 5).map(([x, c]) => `${x}×${c}`).join(', ')}`);
  }
  if (!atLeastOnce) {
    for (const [k, list] of countsPerKey) {
      const sorted = [...list].sort((a, b) => a - b);
      if (!sorted.every((c, i) => c === i + 1)) problems.push(`key ${k}: the state's counts are not 1..${list.length} once each (state lost or applied twice)`);
    }
  }
  for (let start = 0; start < n; start += 100) {
    for (let k = 0; k < 13; k++) {
      let expected = 0;
      for (let x = start; x < Math.min(n, start + 100); x++) if (x % 13 === k) expected++;
      if (expected === 0) continue;
      const got = windows.get(`${k}@${start}`);
      if (got === undefined) problems.push(`window ${k}@${start} lost`);
      else if (atLeastOnce ? got < expected : got !== expected) problems.push(`window ${k}@${start}: ${got} instead of ${expected}`);
    }
  }
  return problems.slice(0, 20);
}

/** Where a scenario's checkpoints go, and how the test finds the newest completed one. */
export interface CheckpointStore {
  uri: string;
  /** The id of the newest checkpoint of the job whose _metadata is written (0: none). */
  latestCompleted(jobId: string): Promise<number>;
}

export function localStore(dir: string): CheckpointStore & { completedIds(jobId: string): Promise<number[]> } {
  const completedIds = async (jobId: string): Promise<number[]> => {
    const ids: number[] = [];
    try {
      for (const d of await readdir(join(dir, jobId))) {
        const id = Number(/^chk-(\d+)$/.exec(d)?.[1] ?? 0);
        if (id > 0 && existsSync(join(dir, jobId, d, '_metadata'))) ids.push(id);
      }
    } catch {
      // no checkpoint yet
    }
    return ids.sort((a, b) => a - b);
  };
  return {
    uri: `file://${dir}`,
    /** The ids of the job's checkpoint directories with a _metadata, ascending. */
    completedIds,
    async latestCompleted(jobId) {
      return (await completedIds(jobId)).pop() ?? 0;
    },
  };
}

