/**
 * The heap backend's storage of one named state, and what changed in it since the last changelog snapshot.
 */
import { VOID_NAMESPACE } from './state-backend.js';

type Ns = string | number;

/**
 * One named state's values: key group (within the range) → namespace → key → value. The void namespace
 * (state not scoped to a window, the common case) has its own array of maps, so its accesses skip the
 * namespace lookup: that is one Map lookup less on every state access of most jobs.
 */
export class StateTable<V> {
  readonly voidGroups: Array<Map<unknown, V> | undefined>;
  readonly groups: Array<Map<Ns, Map<unknown, V>> | undefined>;
  /**
   * Changelog: the keys read or written since the last snapshot, per key group (and namespace), while
   * recording. Reads of objects count too: the caller may change such a value in place.
   */
  private touchedVoid: Array<Set<unknown> | undefined> | undefined;
  private touchedNs: Array<Map<Ns, Set<unknown>> | undefined> | undefined;
  private lastKey: unknown = undefined;
  private lastNs: Ns | undefined = undefined;
  private lastGroup = -1;
  constructor(private readonly size: number) {
    this.voidGroups = new Array<Map<unknown, V> | undefined>(size);
    this.groups = new Array<Map<Ns, Map<unknown, V>> | undefined>(size);
  }
  /** Starts (or restarts) recording touched keys, forgetting those recorded so far. */
  record(): void {
    this.lastGroup = -1;
    this.touchedVoid = new Array<Set<unknown> | undefined>(this.size);
    this.touchedNs = new Array<Map<Ns, Set<unknown>> | undefined>(this.size);
  }
  private touch(g: number, ns: Ns, k: unknown): void {
    // A read is mostly followed by a write of the same key (read-modify-write): recorded once.
    if (k === this.lastKey && ns === this.lastNs && g === this.lastGroup) return;
    this.lastKey = k;
    this.lastNs = ns;
    this.lastGroup = g;
    if (ns === VOID_NAMESPACE) {
      const t = this.touchedVoid as Array<Set<unknown> | undefined>;
      let set = t[g];
      if (set === undefined) t[g] = set = new Set();
      set.add(k);
      return;
    }
    const t = this.touchedNs as Array<Map<Ns, Set<unknown>> | undefined>;
    let byNs = t[g];
    if (byNs === undefined) t[g] = byNs = new Map();
    let set = byNs.get(ns);
    if (set === undefined) byNs.set(ns, (set = new Set()));
    set.add(k);
  }
  /** The keys of group `g` touched since recording (re)started, each with its value now (undefined: gone). */
  *touched(g: number): Generator<[Ns, unknown, V | undefined]> {
    const v = this.touchedVoid?.[g];
    if (v !== undefined) {
      const m = this.voidGroups[g];
      for (const k of v) yield [VOID_NAMESPACE, k, m?.get(k)];
    }
    const byNs = this.touchedNs?.[g];
    if (byNs !== undefined) {
      for (const [ns, keys] of byNs) {
        const m = this.groups[g]?.get(ns);
        for (const k of keys) yield [ns, k, m?.get(k)];
      }
    }
  }
  get(g: number, ns: Ns, k: unknown): V | undefined {
    let v: V | undefined;
    if (ns === VOID_NAMESPACE) {
      const m = this.voidGroups[g];
      v = m === undefined ? undefined : m.get(k);
    } else {
      const m = this.groups[g]?.get(ns);
      v = m === undefined ? undefined : m.get(k);
    }
    // Only an object can be changed in place by whoever reads it; a number or string read changes nothing.
    if (this.touchedVoid !== undefined && typeof v === 'object' && v !== null) this.touch(g, ns, k);
    return v;
  }
  put(g: number, ns: Ns, k: unknown, v: V): void {
    if (this.touchedVoid !== undefined) this.touch(g, ns, k);
    if (ns === VOID_NAMESPACE) {
      let m = this.voidGroups[g];
      if (m === undefined) this.voidGroups[g] = m = new Map();
      m.set(k, v);
      return;
    }
    let byNs = this.groups[g];
    if (byNs === undefined) this.groups[g] = byNs = new Map();
    let m = byNs.get(ns);
    if (m === undefined) byNs.set(ns, (m = new Map()));
    m.set(k, v);
  }
  remove(g: number, ns: Ns, k: unknown): void {
    if (this.touchedVoid !== undefined) this.touch(g, ns, k);
    if (ns === VOID_NAMESPACE) {
      this.voidGroups[g]?.delete(k);
      return;
    }
    const byNs = this.groups[g];
    const m = byNs?.get(ns);
    if (m === undefined) return;
    m.delete(k);
    if (m.size === 0) (byNs as Map<Ns, Map<unknown, V>>).delete(ns);
  }
  /** The key → value maps of one namespace, one per key group that has any. */
  *namespaceMaps(ns: Ns): Generator<Map<unknown, V>> {
    if (ns === VOID_NAMESPACE) {
      for (const m of this.voidGroups) if (m !== undefined && m.size > 0) yield m;
      return;
    }
    for (const byNs of this.groups) {
      const m = byNs?.get(ns);
      if (m !== undefined) yield m;
    }
  }
  /** Every entry of one key group (index within the range), for snapshots. */
  *groupEntries(g: number): Generator<[Ns, unknown, V]> {
    const v = this.voidGroups[g];
    if (v !== undefined) for (const [k, val] of v) yield [VOID_NAMESPACE, k, val];
    const byNs = this.groups[g];
    if (byNs !== undefined) for (const [ns, m] of byNs) for (const [k, val] of m) yield [ns, k, val];
  }
  /** Every key → value map of every namespace. */
  *allMaps(): Generator<Map<unknown, V>> {
    for (const m of this.voidGroups) if (m !== undefined) yield m;
    for (const byNs of this.groups) if (byNs !== undefined) yield* byNs.values();
  }
}

