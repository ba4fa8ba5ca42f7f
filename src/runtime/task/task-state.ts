/**
 * The state holders of one task: a keyed backend per keyed operator and an operator state backend per operator,
 * created on first use from the job's state backend, and closed when the task ends.
 */
import { join } from 'node:path';
import type { Transformation } from '../../api/transformation.js';
import { HashMapStateBackend, keyGroupRangeForSubtask, type KeyedStateBackend, type OperatorStateBackend, type StateBackend } from '../state/index.js';

export class TaskStateHolders {
  private readonly keyed = new Map<number, KeyedStateBackend>();
  private readonly operator = new Map<number, OperatorStateBackend>();

  constructor(
    private readonly parallelism: number,
    private readonly subtask: number,
    private readonly backend: StateBackend = new HashMapStateBackend(),
    /** Where disk backends keep this task's state (a subdirectory per operator); removed with the task. */
    private readonly localDirectory?: string,
  ) {}

  /** The keyed state of operator `t`, created on first use for this subtask's key groups. */
  keyedBackend(t: Transformation, maxParallelism: number): KeyedStateBackend {
    let b = this.keyed.get(t.id);
    if (!b) {
      b = this.backend.createKeyedStateBackend({
        operatorName: t.name,
        maxParallelism,
        keyGroupRange: keyGroupRangeForSubtask(maxParallelism, this.parallelism, this.subtask),
        now: () => Date.now(),
        ...(this.localDirectory === undefined ? {} : { localDirectory: join(this.localDirectory, String(t.id)) }),
      });
      this.keyed.set(t.id, b);
    }
    return b;
  }

  operatorBackend(t: Transformation): OperatorStateBackend {
    let b = this.operator.get(t.id);
    if (!b) this.operator.set(t.id, (b = this.backend.createOperatorStateBackend(t.name)));
    return b;
  }

  /** The keyed backend of operator `t` if it has one already. */
  existingKeyed(t: Transformation): KeyedStateBackend | undefined {
    return this.keyed.get(t.id);
  }

  existingOperator(t: Transformation): OperatorStateBackend | undefined {
    return this.operator.get(t.id);
  }

  /** Closes every state backend (each close is idempotent); one that fails does not keep the others open. */
  close(): void {
    for (const b of [...this.keyed.values(), ...this.operator.values()]) {
      try {
        b.close();
      } catch {
        // best effort: the TaskManager removes the run's directory, state files included, when it ends
      }
    }
  }
}
