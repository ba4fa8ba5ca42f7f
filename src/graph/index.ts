/**
 * The plan: JobGraph types, the builder from a captured pipeline (chaining, partitioning), the
 * execution-plan JSON, and loading a job bundle in plan mode.
 */
export type { ChainedOperator, JobEdge, JobGraph, JobVertex, PlanNode } from './job-graph.js';
export { FAILED_REPLAY_PREFIX, restPlan, shipStrategy } from './job-graph.js';
export { buildJobGraph, type BuildOptions, type BuiltJobGraph } from './job-graph-builder.js';
export { API_GLOBAL, importBundle } from './program-loader.js';
