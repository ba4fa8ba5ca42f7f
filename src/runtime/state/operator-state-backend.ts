/** Operator state on the heap: named lists and broadcast maps per operator instance. */
import { checkListElement, type OperatorStateBackend } from './state-backend.js';
import type { OperatorStateSnapshot } from './snapshot.js';
import { decodeRecords, encodeRecord } from '../codec/index.js';
import { UsageError } from '../../util/errors.js';

export class HeapOperatorStateBackend implements OperatorStateBackend {
  private readonly lists = new Map<string, { union: boolean; items: unknown[] }>();
  private readonly broadcast = new Map<string, Map<unknown, unknown>>();

  constructor(private readonly operatorName: string) {}

  getListState<T>(name: string, union: boolean): ReturnType<OperatorStateBackend['getListState']> & { get(): Iterable<T> } {
    let l = this.lists.get(name);
    if (!l) this.lists.set(name, (l = { union, items: [] }));
    else if (l.union !== union) {
      throw new UsageError(`Operator state '${name}' of ${this.operatorName} was created as ${l.union ? 'union ' : ''}list state; ask for it the same way.`);
    }
    const list = l;
    return {
      get: () => list.items as T[],
      add: (v: unknown) => {
        list.items.push(checkListElement(v, 'add'));
      },
      addAll: (vs: Iterable<unknown>) => {
        // Checked first, so a null in the middle leaves the list as it was.
        const checked = [...vs].map((v) => checkListElement(v, 'addAll'));
        for (const v of checked) list.items.push(v);
      },
      update: (vs: Iterable<unknown>) => {
        list.items = [...vs].map((v) => checkListElement(v, 'update'));
      },
      clear: () => {
        list.items = [];
      },
    };
  }

  getBroadcastState<K, V>(name: string): Map<K, V> {
    let m = this.broadcast.get(name);
    if (!m) this.broadcast.set(name, (m = new Map()));
    return m as Map<K, V>;
  }

  restored = false;

  snapshot(): OperatorStateSnapshot {
    // A deep copy through the codec: user objects in the lists may change after the barrier.
    const copy = (v: unknown): unknown => decodeRecords(encodeRecord(v))[0];
    return {
      lists: [...this.lists].map(([name, l]) => ({ name, union: l.union, items: copy(l.items) as unknown[] })),
      broadcast: [...this.broadcast].map(([name, m]) => ({ name, entries: copy([...m]) as Array<[unknown, unknown]> })),
    };
  }

  restore(state: OperatorStateSnapshot): void {
    this.restored = true;
    for (const l of state.lists) this.lists.set(l.name, { union: l.union, items: [...l.items] });
    for (const b of state.broadcast) this.broadcast.set(b.name, new Map(b.entries));
  }

  close(): void {
    this.lists.clear();
    this.broadcast.clear();
  }
}

