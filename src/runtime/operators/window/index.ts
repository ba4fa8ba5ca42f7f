/**
 * The window operator: keyed windows (tumbling, sliding, session, global) with triggers, evictors,
 * allowed lateness and late side outputs, registered as operator 'window'.
 *
 * ```ts
 * const op = createWindowOperator(ctx); // ctx.transformation from WindowedStream / AllWindowedStream
 * ```
 */
export { createWindowOperator, windowOperator, type WindowOperator } from './window-operator.js';
