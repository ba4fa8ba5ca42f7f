/**
 * Transformations: the logical pipeline the user builds. JavaScript functions cannot travel between
 * processes, so a transformation carries (a) JSON parameters that go into the JobGraph and (b) user
 * functions that each TaskManager re-binds by the transformation's stable `id` after rebuilding the
 * same pipeline from the job bundle (see DESIGN.md §2).
 */

export type PartitionerType = 'forward' | 'rebalance' | 'rescale' | 'shuffle' | 'broadcast' | 'global' | 'hash' | 'custom';

/** Parallelism of an operator that always runs with its (first) input's parallelism, so it chains. */
export const SAME_AS_INPUT = -2;

export type ChainingStrategy = 'ALWAYS' | 'HEAD' | 'NEVER';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A key selector as users give it: a function, a field name, or a tuple position. */
export type KeySpec = ((value: never) => unknown) | string | number | ReadonlyArray<string | number>;

export interface Transformation {
  readonly id: number;
  name: string;
  uid: string | undefined;
  /** -1 = the environment's default. */
  parallelism: number;
  /** -1 = derived from the parallelism. */
  maxParallelism: number;
  /** Runtime operator to instantiate (a key of the operator registry); undefined for virtual nodes. */
  readonly operator: string | undefined;
  /** JSON parameters of the operator; part of the JobGraph and its hash. */
  readonly params: { [key: string]: Json };
  /** User functions of the operator, bound on the TaskManager by transformation id. */
  readonly fns: readonly unknown[];
  readonly inputs: readonly Transformation[];
  /** Virtual nodes shape edges, they do not run: a partitioning step, a union of inputs, or a side output. */
  readonly virtual: 'partition' | 'union' | 'side-output' | undefined;
  /** For a side-output node: the OutputTag id it selects from its input's operator. */
  readonly sideOutputTag?: string;
  readonly partitioner: PartitionerType | undefined;
  /** For hash partitioning (or a custom partitioner's key): how to extract the key. */
  readonly keySpec: KeySpec | undefined;
  chaining: ChainingStrategy;
  /** Sources only: whether the source ends by itself. */
  readonly bounded: boolean;
  /** Whether the operator may only run with parallelism 1 (fromElements, socketTextStream, ...). */
  readonly nonParallel: boolean;
  /** Sinks are the roots from which the graph is collected. */
  readonly isSink: boolean;
  /** Index of the logical input of a two-input operator that each input feeds (defaults to input order). */
  readonly inputSides?: readonly number[];
  /**
   * Operators that belong to the job whenever this one does, though no edge leads from them to it: the tails
   * of a batch iteration, which only the loop's result (a side output of its head) stands for.
   */
  readonly companions?: Transformation[];
}

export interface TransformationInit {
  name: string;
  operator?: string;
  params?: { [key: string]: Json };
  fns?: readonly unknown[];
  inputs?: readonly Transformation[];
  virtual?: 'partition' | 'union' | 'side-output';
  sideOutputTag?: string;
  partitioner?: PartitionerType;
  keySpec?: KeySpec;
  parallelism?: number;
  chaining?: ChainingStrategy;
  bounded?: boolean;
  nonParallel?: boolean;
  isSink?: boolean;
  inputSides?: readonly number[];
  companions?: Transformation[];
}

/** Collects the transformations of one environment and numbers them in creation order. */
export class TransformationRegistry {
  private nextId = 1;
  readonly all: Transformation[] = [];
  readonly sinks: Transformation[] = [];

  create(init: TransformationInit): Transformation {
    const t: Transformation = {
      id: this.nextId++,
      name: init.name,
      uid: undefined,
      parallelism: init.nonParallel ? 1 : (init.parallelism ?? -1),
      maxParallelism: -1,
      operator: init.operator,
      params: init.params ?? {},
      fns: init.fns ?? [],
      inputs: init.inputs ?? [],
      virtual: init.virtual,
      partitioner: init.partitioner,
      keySpec: init.keySpec,
      chaining: init.chaining ?? 'ALWAYS',
      bounded: init.bounded ?? true,
      nonParallel: init.nonParallel ?? false,
      isSink: init.isSink ?? false,
      ...(init.inputSides ? { inputSides: init.inputSides } : {}),
      ...(init.sideOutputTag !== undefined ? { sideOutputTag: init.sideOutputTag } : {}),
      ...(init.companions ? { companions: init.companions } : {}),
    };
    this.all.push(t);
    if (t.isSink) this.sinks.push(t);
    return t;
  }

  /** Forgets the sinks collected so far, as Flink's execute() does, so the next job starts clean. */
  clearSinks(): void {
    this.sinks.length = 0;
  }
}
