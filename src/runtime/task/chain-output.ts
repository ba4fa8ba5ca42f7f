/**
 * How the operators of a chain hand records on: one Output per operator over its targets (chained operators
 * and record writers), plus the small helpers a task needs to set its chain up.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Transformation } from '../../api/transformation.js';
import type { JobGraph } from '../../graph/index.js';
import type { ElementTime, Output } from '../operators/index.js';
import { FlinkError } from '../../util/errors.js';

export interface OutputTarget {
  tag: string | undefined;
  collect(r: unknown): void;
  watermark(wm: number): void;
  status(idle: boolean): void;
}

/** One operator's Output over its targets: main-output records, side outputs by tag, watermarks to all. */
export function chainOutput(targets: OutputTarget[], el: ElementTime): Output {
  const main = targets.filter((t) => t.tag === undefined);
  const sides = new Map<string, OutputTarget[]>();
  for (const t of targets) if (t.tag !== undefined) sides.set(t.tag, [...(sides.get(t.tag) ?? []), t]);
  const fanOut = (list: OutputTarget[]): ((r: unknown) => void) => {
    if (list.length === 0) return () => {};
    if (list.length === 1) return (list[0] as OutputTarget).collect;
    // Every target sees the timestamp the record was emitted with, whatever an earlier target did with it.
    return (r) => {
      const ts = el.timestamp;
      for (const t of list) {
        el.timestamp = ts;
        t.collect(r);
      }
    };
  };
  const sideCollect = new Map<string, (r: unknown) => void>([...sides].map(([tag, list]) => [tag, fanOut(list)]));
  return {
    collect: fanOut(main),
    emitWatermark: (wm) => {
      for (const t of targets) t.watermark(wm);
    },
    emitWatermarkStatus: (idle) => {
      for (const t of targets) t.status(idle);
    },
    collectSide: (tag, r) => sideCollect.get(tag)?.(r),
  };
}

/** A source's output under ingestion time: every record gets the wall-clock time it was emitted at. */
export function ingestionTimeOutput(inner: Output, el: ElementTime): Output {
  const collect = inner.collect;
  return {
    ...inner,
    collect: (r) => {
      el.timestamp = Date.now();
      collect(r);
    },
  };
}

/** Relative paths mean the same file as in the client that submitted the job. */
export function resolveJobPath(job: JobGraph, p: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) || isAbsolute(p)) return p;
  return resolve(job.workingDirectory || '.', p);
}

export function customPartitioner(t: Transformation | undefined): (key: unknown, n: number) => number {
  const p = t?.fns[0];
  if (typeof p === 'function') return p as (k: unknown, n: number) => number;
  if (p && typeof (p as { partition?: unknown }).partition === 'function') {
    return (k, n) => (p as { partition(k: unknown, n: number): number }).partition(k, n);
  }
  throw new FlinkError('BAD_PARTITIONER', 'partitionCustom() needs a function (key, numPartitions) => index or an object with partition().');
}
