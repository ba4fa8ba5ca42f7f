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
  return {
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
}

