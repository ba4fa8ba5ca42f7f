package flinkts.bench;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.JoinFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatJoinFunction;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.aggregation.Aggregations;
import org.apache.flink.api.java.operators.DeltaIteration;
import org.apache.flink.api.java.tuple.Tuple1;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.core.fs.FileSystem.WriteMode;
import org.apache.flink.util.Collector;

/**
 * Connected components with a delta iteration on Flink's DataSet API, the algorithm of Flink's
 * ConnectedComponents example (and of flink-ts's examples/batch/ConnectedComponents.js): changed vertices offer
 * their component to their neighbours, a vertex takes the smallest offer below its own; the changes are the
 * solution-set delta and the next workset.
 *
 * <p>Usage: ConnectedComponentsBench --vertices v --edges e --output o --iterations k [--parallelism 2] [--managedMemory 2g]
 */
public final class ConnectedComponentsBench {
  private ConnectedComponentsBench() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    ExecutionEnvironment env = Bench.localEnvironment(params.getInt("parallelism", 2), params.get("managedMemory", "2g"));

    DataSet<Long> vertices = env.readCsvFile(params.getRequired("vertices")).fieldDelimiter(" ").types(Long.class).map(new FirstField());
    DataSet<Tuple2<Long, Long>> edges = env.readCsvFile(params.getRequired("edges")).fieldDelimiter(" ").types(Long.class, Long.class)
        .flatMap(new BothDirections());

    DataSet<Tuple2<Long, Long>> initial = vertices.map(new OwnComponent());
    DeltaIteration<Tuple2<Long, Long>, Tuple2<Long, Long>> iteration = initial.iterateDelta(initial, params.getInt("iterations", 10), 0);

    DataSet<Tuple2<Long, Long>> changes = iteration.getWorkset()
        .join(edges).where(0).equalTo(0).with(new OfferToNeighbour())
        .groupBy(0).aggregate(Aggregations.MIN, 1)
        .join(iteration.getSolutionSet()).where(0).equalTo(0).with(new KeepIfSmaller());

    iteration.closeWith(changes, changes).writeAsCsv(params.getRequired("output"), "\n", " ", WriteMode.OVERWRITE);
    Bench.executeAndReport(env, "ConnectedComponents (Flink DataSet API)");
  }

  static final class FirstField implements MapFunction<Tuple1<Long>, Long> {
    @Override
    public Long map(Tuple1<Long> row) {
      return row.f0;
    }
  }

  static final class BothDirections implements FlatMapFunction<Tuple2<Long, Long>, Tuple2<Long, Long>> {
    @Override
    public void flatMap(Tuple2<Long, Long> edge, Collector<Tuple2<Long, Long>> out) {
      out.collect(edge);
      out.collect(new Tuple2<>(edge.f1, edge.f0));
    }
  }

  static final class OwnComponent implements MapFunction<Long, Tuple2<Long, Long>> {
    @Override
    public Tuple2<Long, Long> map(Long vertex) {
      return new Tuple2<>(vertex, vertex);
    }
  }

  static final class OfferToNeighbour implements JoinFunction<Tuple2<Long, Long>, Tuple2<Long, Long>, Tuple2<Long, Long>> {
    @Override
    public Tuple2<Long, Long> join(Tuple2<Long, Long> vertexAndComponent, Tuple2<Long, Long> edge) {
      return new Tuple2<>(edge.f1, vertexAndComponent.f1);
    }
  }

  /** Keeps an offer that beats the current component; its open() marks the superstep's start for the report. */
  static final class KeepIfSmaller extends RichFlatJoinFunction<Tuple2<Long, Long>, Tuple2<Long, Long>, Tuple2<Long, Long>> {
    @Override
    public void open(OpenContext openContext) {
      Bench.superstepOpened(getIterationRuntimeContext().getSuperstepNumber());
    }

    @Override
    public void join(Tuple2<Long, Long> offer, Tuple2<Long, Long> current, Collector<Tuple2<Long, Long>> out) {
      if (offer.f1 < current.f1) out.collect(offer);
    }
  }
}
