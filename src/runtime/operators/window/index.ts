/**
 * The window operator: keyed windows (tumbling, sliding, session, global) with triggers, evictors,
 * allowed lateness and late side outputs, registered as operator 'window'; and the interval join
 * ('interval-join').
 *
 * ```ts
 * const op = createWindowOperator(ctx); // ctx.transformation from WindowedStream / AllWindowedStream
 * ```
 */
export { createWindowOperator, windowOperator, type WindowOperator } from './window-operator.js';
export { intervalJoinOperator } from './interval-join-operator.js';
