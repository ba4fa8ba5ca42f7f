/** OutputTag: names a side output of an operator (`ctx.output(tag, value)`, `stream.getSideOutput(tag)`). */
import { UsageError } from '../util/errors.js';

export class OutputTag<T> {
  /** The second argument may be a type hint from ported Flink code; it is ignored. */
  constructor(
    readonly id: string,
    typeHint?: unknown,
  ) {
    if (typeof id !== 'string' || id.length === 0) throw new UsageError('An OutputTag needs a non-empty id: new OutputTag("late-data").');
    void typeHint;
  }
  getId(): string {
    return this.id;
  }
  toString(): string {
    return `OutputTag(${this.id})`;
  }
  /** @internal keeps T in the signature */
  protected readonly _t?: T;
}

export function checkOutputTag(tag: unknown, where: string): asserts tag is OutputTag<unknown> {
  if (!(tag instanceof OutputTag)) throw new UsageError(`${where}: give an OutputTag, e.g. new OutputTag('late').`);
}
