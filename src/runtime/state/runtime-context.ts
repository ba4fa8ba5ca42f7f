/** The runtime context user functions get: what the task is, plus their operator's keyed and operator state. */
import type { RuntimeContext } from '../../api/functions.js';
import { StateDescriptor } from '../../api/state.js';
import { UsageError } from '../../util/errors.js';
import { operatorStateStore } from './operator-state-store.js';
import type { KeyedStateBackend, OperatorStateBackend } from './state-backend.js';

/** The task-level part of a runtime context. */
export type TaskInfo = Omit<RuntimeContext, 'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState' | 'getOperatorStateStore'>;

/** The runtime context of one operator: the task's, plus that operator's keyed and operator state. */
export function stateRuntimeContext(base: TaskInfo, keyed: () => KeyedStateBackend, operator: () => OperatorStateBackend): RuntimeContext {
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
  };
}

