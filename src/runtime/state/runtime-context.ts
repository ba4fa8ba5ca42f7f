/** The runtime context user functions get: what the task is, plus their operator's keyed and operator state. */
import type { BroadcastVariableInitializer, RuntimeContext } from '../../api/functions.js';
import { StateDescriptor } from '../../api/state.js';
import { UsageError } from '../../util/errors.js';
import { operatorStateStore } from './operator-state-store.js';
import type { KeyedStateBackend, OperatorStateBackend } from './state-backend.js';

/** The task-level part of a runtime context. */
export type TaskInfo = Omit<
  RuntimeContext,
  'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState' | 'getOperatorStateStore' | 'getBroadcastVariable' | 'getBroadcastVariableWithInitializer'
>;

/** The broadcast sets an operator reads (withBroadcastSet), by name. */
export interface BroadcastVariables {
  get(name: string): unknown[];
}

export class NoSuchBroadcastVariableError extends UsageError {
  constructor(name: string, operator: string) {
    super(`${operator} has no broadcast variable '${name}': register it with withBroadcastSet(dataSet, '${name}') on that operator.`);
  }
}

/** The runtime context of one operator: the task's, plus that operator's keyed and operator state. */
export function stateRuntimeContext(
  base: TaskInfo,
  keyed: () => KeyedStateBackend,
  operator: () => OperatorStateBackend,
  broadcast: BroadcastVariables = { get: (name) => { throw new NoSuchBroadcastVariableError(name, base.getTaskName()); } },
): RuntimeContext {
  const initialized = new Map<string, { values: unknown[]; result: unknown }>();
  const kv = <S>(d: StateDescriptor, kind: StateDescriptor['kind'], what: string): S => {
    if (!(d instanceof StateDescriptor)) throw new UsageError(`${what}: give a state descriptor, e.g. new ValueStateDescriptor('name').`);
    if (d.kind !== kind) throw new UsageError(`${what}: the descriptor '${d.name}' describes ${d.kind} state.`);
    return keyed().getPartitionedState<S>(d);
  };
  const ctx: RuntimeContext & { [STATE_RESTORED]?: () => boolean } = {
    ...base,
    getState: (d) => kv(d, 'value', 'getState'),
    getListState: (d) => kv(d, 'list', 'getListState'),
    getMapState: (d) => kv(d, 'map', 'getMapState'),
    getReducingState: (d) => kv(d, 'reducing', 'getReducingState'),
    getAggregatingState: (d) => kv(d, 'aggregating', 'getAggregatingState'),
    getOperatorStateStore: () => operatorStateStore(operator),
    getBroadcastVariable: <T>(name: string) => broadcast.get(name) as T[],
    getBroadcastVariableWithInitializer: <T, R>(name: string, init: BroadcastVariableInitializer<T, R>): R => {
      const values = broadcast.get(name) as T[];
      // Once per set: a new superstep brings a new array, and with it a new initialized value.
      const known = initialized.get(name);
      if (known && known.values === values) return known.result as R;
      const result = typeof init === 'function' ? init(values) : init.initializeBroadcastVariable(values);
      initialized.set(name, { values, result });
      return result;
    },
  };
  ctx[STATE_RESTORED] = () => operator().restored;
  return ctx;
}

/** Where a runtime context says whether its operator's state came from a checkpoint (CheckpointedFunction.isRestored). */
export const STATE_RESTORED: unique symbol = Symbol('flink-ts state restored');

/** Whether the state of the runtime context's operator was restored from a checkpoint or savepoint. */
export function isStateRestored(ctx: RuntimeContext): boolean {
  const f = (ctx as { [STATE_RESTORED]?: () => boolean })[STATE_RESTORED];
  return f !== undefined && f();
}

