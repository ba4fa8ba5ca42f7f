package flinkts.bench;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.Configuration;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What both benchmark programs share: a local environment (a MiniCluster inside this JVM) at the parallelism
 * asked for, and a clock of superstep starts. The local environment runs every task in this JVM, so a static map
 * sees the open() calls of all parallel instances.
 */
final class Bench {
  private static final ConcurrentSkipListMap<Integer, Long> SUPERSTEP_STARTS = new ConcurrentSkipListMap<>();

  private Bench() {}

  /**
   * @param managedMemory taskmanager.memory.managed.size of the local cluster: the local default is too small for
   *     a delta iteration's solution set of a million vertices ("Memory ran out. Compaction failed.")
   */
  static ExecutionEnvironment localEnvironment(int parallelism, String managedMemory) {
    Configuration conf = new Configuration();
    conf.setString("taskmanager.memory.managed.size", managedMemory);
    ExecutionEnvironment env = ExecutionEnvironment.createLocalEnvironment(conf);
    env.setParallelism(parallelism);
    return env;
  }

  /** Called from open() of a function inside the step: the earliest call of a superstep marks its start. */
  static void superstepOpened(int superstep) {
    SUPERSTEP_STARTS.merge(superstep, System.nanoTime(), Math::min);
  }

  /**
   * Runs the job and prints what iterations.bench.ts reads: `Job Runtime: <ms>` (Flink's net runtime),
   * `Wall: <ms>`, and `Superstep <n>: <ms>` (from one superstep's start to the next one's, the last one to the
   * end of the job, so it includes writing the result).
   */
  static void executeAndReport(ExecutionEnvironment env, String jobName) throws Exception {
    long t0 = System.nanoTime();
    JobExecutionResult result = env.execute(jobName);
    long end = System.nanoTime();
    System.out.println("Job Runtime: " + result.getNetRuntime() + " ms");
    System.out.println("Wall: " + (end - t0) / 1_000_000 + " ms");
    Map.Entry<Integer, Long> previous = null;
    for (Map.Entry<Integer, Long> e : SUPERSTEP_STARTS.entrySet()) {
      if (previous != null) printSuperstep(previous.getKey(), e.getValue() - previous.getValue());
      previous = e;
    }
    if (previous != null) printSuperstep(previous.getKey(), end - previous.getValue());
  }

  private static void printSuperstep(int n, long nanos) {
    System.out.println("Superstep " + n + ": " + nanos / 1_000_000 + " ms");
  }
}
