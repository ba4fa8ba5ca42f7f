/**
 * Options of job execution: runtime mode, pipeline settings, deployment target, checkpointing and restart
 * strategies.
 */
import {
  atLeast,
  between,
  booleanOption,
  doubleOption,
  durationOption,
  enumOption,
  intOption,
  positiveDuration,
  stringOption,
} from './config-option.js';

export const ExecutionOptions = Object.freeze({
  BUFFER_TIMEOUT: durationOption('execution.buffer-timeout', 100, {
    description:
      'How long a network buffer may wait before it is sent although it is not full. 0 sends every record at once ' +
      '(lowest latency); -1 sends buffers only when they are full (highest throughput).',
    negativeOneMeans: 'flush only when full',
  }),
  RUNTIME_MODE: enumOption('execution.runtime-mode', ['STREAMING', 'BATCH', 'AUTOMATIC'], 'STREAMING', {
    description: 'How jobs run: STREAMING, BATCH (only bounded sources), or AUTOMATIC (BATCH when all sources are bounded).',
  }),
});

export const PipelineOptions = Object.freeze({
  AUTO_WATERMARK_INTERVAL: durationOption('pipeline.auto-watermark-interval', 200, {
    description:
      'How often timestamp assigners are asked for a new watermark (and idle inputs are detected). 0 turns periodic watermarks off.',
  }),
  MAX_PARALLELISM: intOption('pipeline.max-parallelism', -1, {
    description: 'The maximum parallelism a job can be rescaled to (the number of key groups). -1 derives it from the parallelism.',
    validate: (v) => (v === -1 || (v >= 1 && v <= 32768) ? undefined : `${v} is out of range. Use -1 or a value from 1 to 32768`),
  }),
  NAME: stringOption('pipeline.name', undefined, {
    description: 'The name of the job. If unset, the program chooses one.',
  }),
  OBJECT_REUSE: booleanOption('pipeline.object-reuse', false, {
    description: 'Whether operators may pass the same record object on instead of copying it between chained operators.',
  }),
});

export const DeploymentOptions = Object.freeze({
  TARGET: stringOption('execution.target', undefined, {
    description: 'Where the client runs a job: remote, local, yarn-per-job, yarn-session or yarn-application.',
  }),
  ATTACHED: booleanOption('execution.attached', false, {
    description: 'Whether the client waits for the job to finish (attached) or returns after submission (detached).',
  }),
});

export const CheckpointingOptions = Object.freeze({
  STATE_BACKEND: enumOption('state.backend', ['hashmap', 'embedded-lmdb'], 'hashmap', {
    description:
      'Where keyed state lives while a job runs: hashmap (JavaScript objects on the heap, fastest) or embedded-lmdb ' +
      '(an LMDB file on local disk, for state larger than the heap). Checkpoints of either restore into the other.',
    deprecatedKeys: ['state.backend.type'],
    aliases: { jobmanager: 'hashmap', filesystem: 'hashmap', heap: 'hashmap', disk: 'embedded-lmdb', lmdb: 'embedded-lmdb' },
    refused: {
      rocksdb: {
        problem:
          "flink-ts has no RocksDB state backend (no state.backend.rocksdb.* options, RocksDB's files or its incremental " +
          'checkpoints). For state larger than the heap use the embedded LMDB backend on local disk (docs/state-backends.md)',
        instead: 'embedded-lmdb',
      },
    },
  }),
  CHECKPOINTS_DIRECTORY: stringOption('state.checkpoints.dir', undefined, {
    description: 'The directory (URI) where checkpoint data and metadata are written, e.g. file:///data/checkpoints or hdfs:///flink/checkpoints.',
    deprecatedKeys: ['state.backend.fs.checkpointdir'],
  }),
  SAVEPOINT_DIRECTORY: stringOption('state.savepoints.dir', undefined, {
    description: 'The default directory (URI) for savepoints when a savepoint command names none.',
    deprecatedKeys: ['savepoints.state.backend.fs.dir'],
  }),
  MAX_RETAINED_CHECKPOINTS: intOption('state.checkpoints.num-retained', 1, {
    description: 'How many completed checkpoints are kept.',
    validate: atLeast(1),
  }),
  CHECKPOINTING_INTERVAL: durationOption('execution.checkpointing.interval', undefined, {
    description: 'The time between the starts of two checkpoints. If unset, checkpointing is off.',
    validate: (v) => (v >= 10 ? undefined : `${v} ms is out of range. Use an interval of at least 10 ms`),
  }),
  CHECKPOINTING_MODE: enumOption('execution.checkpointing.mode', ['EXACTLY_ONCE', 'AT_LEAST_ONCE'], 'EXACTLY_ONCE', {
    description: 'The checkpointing guarantee: EXACTLY_ONCE aligns barriers, AT_LEAST_ONCE does not.',
  }),
  CHECKPOINTING_TIMEOUT: durationOption('execution.checkpointing.timeout', 600_000, {
    description: 'How long a checkpoint may take before it is aborted.',
    validate: positiveDuration,
  }),
  MAX_CONCURRENT_CHECKPOINTS: intOption('execution.checkpointing.max-concurrent-checkpoints', 1, {
    description: 'How many checkpoints may be in progress at the same time.',
    validate: atLeast(1),
  }),
  MIN_PAUSE_BETWEEN_CHECKPOINTS: durationOption('execution.checkpointing.min-pause', 0, {
    description: 'The least time between the end of one checkpoint and the start of the next.',
    validate: atLeast(0),
  }),
  EXTERNALIZED_CHECKPOINT: enumOption(
    'execution.checkpointing.externalized-checkpoint-retention',
    ['NO_EXTERNALIZED_CHECKPOINTS', 'DELETE_ON_CANCELLATION', 'RETAIN_ON_CANCELLATION'],
    'NO_EXTERNALIZED_CHECKPOINTS',
    { description: 'Whether the retained checkpoints of a job are deleted or kept when the job is cancelled.' },
  ),
  ENABLE_UNALIGNED: booleanOption('execution.checkpointing.unaligned', false, {
    description: 'Whether EXACTLY_ONCE checkpoints forward barriers at once and persist in-flight data instead of aligning.',
  }),
  TOLERABLE_FAILURE_NUMBER: intOption('execution.checkpointing.tolerable-failed-checkpoints', 0, {
    description: 'How many checkpoint failures in a row are tolerated before the job fails (0: the first failed checkpoint fails the job).',
    validate: atLeast(0),
  }),
  INCREMENTAL_CHECKPOINTS: booleanOption('state.backend.incremental', false, {
    description:
      'Whether checkpoints upload only what changed since the previous one: keyed state goes to shared files under <state.checkpoints.dir>/<jobId>/shared, ' +
      'each uploaded once. The heap backend then also encodes only the keys touched since its previous snapshot (a changelog), instead of its whole state at every checkpoint.',
  }),
});

/** Restoring a job from a savepoint (Flink 1.20's StateRecoveryOptions; `flink run -s <path> [-n]` sets them). */
export const SavepointConfigOptions = Object.freeze({
  SAVEPOINT_PATH: stringOption('execution.state-recovery.path', undefined, {
    description: 'The savepoint (its directory or _metadata file, e.g. hdfs:///flink/savepoints/savepoint-5e7a1c-0123456789ab) a job restores its state from.',
    deprecatedKeys: ['execution.savepoint.path'],
  }),
  SAVEPOINT_IGNORE_UNCLAIMED_STATE: booleanOption('execution.state-recovery.ignore-unclaimed-state', false, {
    description:
      'Whether a restore may skip savepoint state that belongs to no operator of the job (an operator removed since the savepoint was taken).',
    deprecatedKeys: ['execution.savepoint.ignore-unclaimed-state'],
  }),
});

/**
 * The job settings that restore a job from a savepoint: what `flink run -s <path> [-n]` and `POST /jars/:jarid/run`
 * with `savepointPath` add to the job's configuration. Written under the keys of Flink before 1.20, which 1.20's
 * execution.state-recovery.* options read too.
 */
export function savepointRestoreSettings(path: string, allowNonRestoredState: boolean): Record<string, string> {
  return {
    'execution.savepoint.path': path,
    'execution.savepoint.ignore-unclaimed-state': String(allowNonRestoredState),
  };
}

export const RestartStrategyOptions = Object.freeze({
  RESTART_STRATEGY: enumOption('restart-strategy', ['none', 'fixed-delay', 'failure-rate', 'exponential-delay'], undefined, {
    description:
      'How failed jobs restart: none, fixed-delay, failure-rate or exponential-delay. If unset: none without ' +
      'checkpointing, fixed-delay with unbounded attempts and 1 s delay with checkpointing.',
    deprecatedKeys: ['restart-strategy.type'],
    aliases: {
      off: 'none',
      disable: 'none',
      fixeddelay: 'fixed-delay',
      failurerate: 'failure-rate',
      exponentialdelay: 'exponential-delay',
    },
  }),
  RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS: intOption('restart-strategy.fixed-delay.attempts', 1, {
    description: 'fixed-delay: how many restarts are tried before the job fails.',
    validate: atLeast(0),
  }),
  RESTART_STRATEGY_FIXED_DELAY_DELAY: durationOption('restart-strategy.fixed-delay.delay', 1_000, {
    description: 'fixed-delay: the pause before each restart.',
    validate: atLeast(0),
  }),
  RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL: intOption('restart-strategy.failure-rate.max-failures-per-interval', 1, {
    description: 'failure-rate: how many failures within one interval are restarted before the job fails.',
    validate: atLeast(1),
  }),
  RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL: durationOption('restart-strategy.failure-rate.failure-rate-interval', 60_000, {
    description: 'failure-rate: the interval in which failures are counted.',
    validate: positiveDuration,
  }),
  RESTART_STRATEGY_FAILURE_RATE_DELAY: durationOption('restart-strategy.failure-rate.delay', 1_000, {
    description: 'failure-rate: the pause before each restart.',
    validate: atLeast(0),
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF: durationOption('restart-strategy.exponential-delay.initial-backoff', 1_000, {
    description: 'exponential-delay: the pause before the first restart.',
    validate: atLeast(0),
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF: durationOption('restart-strategy.exponential-delay.max-backoff', 300_000, {
    description: 'exponential-delay: the longest pause between restarts.',
    validate: atLeast(0),
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER: doubleOption('restart-strategy.exponential-delay.backoff-multiplier', 2.0, {
    description: 'exponential-delay: the factor the pause grows by after each failure.',
    validate: (v) => (v >= 1 ? undefined : `${v} is out of range. Use a value of at least 1.0`),
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD: durationOption(
    'restart-strategy.exponential-delay.reset-backoff-threshold',
    3_600_000,
    {
      description: 'exponential-delay: after running this long without failure, the pause goes back to the initial backoff.',
      validate: positiveDuration,
    },
  ),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR: doubleOption('restart-strategy.exponential-delay.jitter-factor', 0.1, {
    description: 'exponential-delay: the random share added to or taken from each pause, so that many jobs do not restart together.',
    validate: between(0, 1),
  }),
  RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS: intOption('restart-strategy.exponential-delay.attempts-before-reset-backoff', 2_147_483_647, {
    description:
      'exponential-delay: how many restarts are tried before the job fails; the count starts again when the pause goes ' +
      'back to the initial backoff (Flink 1.19+).',
    defaultDescription: 'infinite',
    validate: atLeast(1),
  }),
});
