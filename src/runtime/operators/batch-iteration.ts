/**
 * The operators of batch iterations: the heads (bulk and delta), the tails that hand a superstep's result back to
 * the head of the same slot, the termination criterion, and the joins and coGroups with the solution set. They meet
 * through the slot's {@link IterationChannel}; the superstep protocol is described there.
 */
import type { IterationAggregators } from '../../api/iterations.js';
import { resultTag } from '../../api/iterations.js';
import { toKeyExtractor } from '../../api/keys.js';
import type { KeySpec } from '../../api/transformation.js';
import { iterationChannel, type IterationChannel } from '../iterations/iteration-channel.js';
import { bindFunction, emitReturned, stateKey, type OperatorContext, type OperatorFactory, type Output } from './operator.js';
import { FlinkError } from '../../util/errors.js';

/** Records emitted between two `ctx.yield()` calls. */
const BATCH = 256;

function channelOf(ctx: OperatorContext): IterationChannel {
  const it = ctx.iteration;
  if (!it) throw new FlinkError('NOT_IN_ITERATION', `${ctx.taskName} is an iteration operator but runs outside its loop.`);
  return iterationChannel(ctx.jobId, it.iterationId, ctx.subtask);
}

async function emitEach(ctx: OperatorContext, records: Iterable<unknown>, emit: (r: unknown) => void): Promise<void> {
  let n = 0;
  for (const r of records) {
    emit(r);
    if (++n % BATCH === 0) await ctx.yield();
  }
}

/**
 * Runs supersteps until the iteration ends: ends the current one in the head's task, waits for the barrier, and
 * either feeds the next superstep or emits the result.
 */
async function runLoop(ctx: OperatorContext, ch: IterationChannel, kind: 'bulk' | 'delta', feed: (records: unknown[]) => Promise<void>, result: () => Promise<void>): Promise<void> {
  const it = ctx.iteration as NonNullable<OperatorContext['iteration']>;
  const max = ctx.params.maxIterations as number;
  const hasCriterion = ctx.params.hasCriterion === true;
  for (;;) {
    await (it.endSuperstep as () => Promise<void>)();
    const end = await ch.finishSuperstep(kind, max, hasCriterion);
    if (ctx.cancelled) return;
    if (end) break;
    await (it.startSuperstep as () => Promise<void>)();
    await feed(ch.takeFeedback());
  }
  await result();
}

export const bulkIterationHead: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  ch.configure((ctx.iteration as NonNullable<OperatorContext['iteration']>).loopTasks, aggregatorsOf(ctx));
  const out = ctx.output;
  const tag = resultTag(ch.iterationId);
  return {
    // The initial partial solution is superstep 1's input.
    processElement: (r) => out.collect(r),
    endInput: () =>
      runLoop(
        ctx,
        ch,
        'bulk',
        (records) => emitEach(ctx, records, (r) => out.collect(r)),
        () => emitEach(ctx, ch.takeFeedback(), (r) => out.collectSide(tag, r)),
      ),
    close: () => ch.close(),
  };
};

export const deltaIterationHead: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  ch.configure((ctx.iteration as NonNullable<OperatorContext['iteration']>).loopTasks, aggregatorsOf(ctx));
  const key = toKeyExtractor(ctx.transformation.fns[2] as KeySpec);
  const solutionSet = ch.solutionSet;
  const out = ctx.output;
  const tag = resultTag(ch.iterationId);
  const ended = new Set<number>();
  return {
    processElement: (r, input) => {
      if (input === 0) solutionSet.set(stateKey(key(r)), r);
      else out.collect(r);
    },
    endInput: async (input) => {
      ended.add(input);
      if (input === 0) ch.markSolutionSetReady();
      if (ended.size < 2) return;
      await runLoop(
        ctx,
        ch,
        'delta',
        (records) => emitEach(ctx, records, (r) => out.collect(r)),
        () => emitEach(ctx, solutionSet.values(), (r) => out.collectSide(tag, r)),
      );
    },
    close: () => ch.close(),
  };
};

/** The next partial solution (bulk) or next workset (delta) goes back to the head of this slot. */
export const feedbackTail: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  return {
    processElement: (r) => void ch.feedback.push(r),
    nextSuperstep: () => {},
  };
};

export const terminationCriterion: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  return {
    processElement: () => void ch.criterionCount++,
    nextSuperstep: () => {},
  };
};

/** The solution-set delta replaces entries by key, at once, as Flink's solution set updates do. */
export const solutionSetDelta: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  const key = toKeyExtractor(ctx.transformation.fns[0] as KeySpec);
  const solutionSet = ch.solutionSet;
  return {
    processElement: (r) => void solutionSet.set(stateKey(key(r)), r),
    nextSuperstep: () => {},
  };
};

type Fn2 = (a: unknown, b: unknown) => unknown;

/**
 * A join with the solution set: each record of the other side (partitioned like the solution set) looks up its key
 * in this slot's solution set. In the first superstep, records that arrive before the head read the whole initial
 * solution set wait for it.
 */
export const solutionSetJoin: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  const fn = ctx.transformation.fns[0];
  const f = fn === null || fn === undefined ? undefined : bindFunction<Fn2>(fn, 'join', 'join');
  const key = toKeyExtractor(ctx.transformation.fns[1] as KeySpec);
  const ssFirst = ctx.params.solutionSetSide === 0;
  const solutionSet = ch.solutionSet;
  const out = ctx.output;
  let pending: unknown[] | undefined;
  const probe = (r: unknown): void => {
    const match = solutionSet.get(stateKey(key(r)));
    if (match === undefined) return;
    const [a, b] = ssFirst ? [match, r] : [r, match];
    out.collect(f ? f.call(a, b) : [a, b]);
  };
  return {
    open: () => f?.open(ctx.runtime),
    processElement: (r) => {
      if (pending) {
        pending.push(r);
        return;
      }
      if (ch.whenSolutionSetReady(flush)) probe(r);
      else pending = [r];
    },
    close: () => f?.close(),
  };
  function flush(): void {
    const waiting = pending ?? [];
    pending = undefined;
    for (const r of waiting) probe(r);
  }
};

/** A coGroup with the solution set: per key of the other side, its records with the key's solution-set entry. */
export const solutionSetCoGroup: OperatorFactory = (ctx) => {
  const ch = channelOf(ctx);
  const f = bindFunction<(a: unknown[], b: unknown[], out: Output) => unknown>(ctx.transformation.fns[0], 'coGroup', 'coGroup');
  const key = toKeyExtractor(ctx.transformation.fns[1] as KeySpec);
  const ssFirst = ctx.params.solutionSetSide === 0;
  const groups = new Map<unknown, unknown[]>();
  const out = ctx.output;
  return {
    open: () => f.open(ctx.runtime),
    processElement: (r) => {
      const k = stateKey(key(r));
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    },
    endInput: async () => {
      let n = 0;
      for (const [k, values] of groups) {
        const match = ch.solutionSet.get(k);
        const ss = match === undefined ? [] : [match];
        emitReturned(ssFirst ? f.call(ss, values, out) : f.call(values, ss, out), out);
        if (++n % BATCH === 0) await ctx.yield();
      }
      groups.clear();
    },
    close: () => f.close(),
  };
};

function aggregatorsOf(ctx: OperatorContext): IterationAggregators {
  const fns = ctx.transformation.fns;
  return { aggregators: (fns[0] ?? {}) as IterationAggregators['aggregators'], convergence: (fns[1] ?? null) as IterationAggregators['convergence'] };
}
