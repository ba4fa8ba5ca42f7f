/** K-way merge of sorted record streams, stable: on equal records the earlier stream comes first. */

interface Cursor<T> {
  readonly it: Iterator<T>;
  head: T;
  readonly index: number;
}

export function* mergeSorted<T>(streams: ReadonlyArray<Iterable<T>>, compare: (a: T, b: T) => number): Generator<T, void, undefined> {
  const heap: Array<Cursor<T>> = [];
  const less = (a: Cursor<T>, b: Cursor<T>): boolean => {
    const c = compare(a.head, b.head);
    return c < 0 || (c === 0 && a.index < b.index);
  };
  const iterators: Array<Iterator<T>> = [];
  try {
    streams.forEach((s, index) => {
      const it = s[Symbol.iterator]();
      iterators.push(it);
      const first = it.next();
      if (!first.done) heap.push({ it, head: first.value, index });
    });
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, less);
    while (heap.length > 0) {
      const top = heap[0] as Cursor<T>;
      yield top.head;
      const next = top.it.next();
      if (next.done) {
        const last = heap.pop() as Cursor<T>;
        if (heap.length === 0) break;
        heap[0] = last;
      } else {
        top.head = next.value;
      }
      siftDown(heap, 0, less);
    }
  } finally {
    // A consumer that stops early (first(n), a failure) still closes every file.
    for (const it of iterators) it.return?.();
  }
}

function siftDown<T>(heap: Array<Cursor<T>>, i: number, less: (a: Cursor<T>, b: Cursor<T>) => boolean): void {
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    const r = l + 1;
    let m = r < n && less(heap[r] as Cursor<T>, heap[l] as Cursor<T>) ? r : l;
    if (!less(heap[m] as Cursor<T>, heap[i] as Cursor<T>)) return;
    [heap[i], heap[m]] = [heap[m] as Cursor<T>, heap[i] as Cursor<T>];
    i = m;
    m = 0;
  }
}
