package flinkts.bench;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.GroupReduceFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.java.DataSet;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.api.java.aggregation.Aggregations;
import org.apache.flink.api.java.operators.IterativeDataSet;
import org.apache.flink.api.java.tuple.Tuple1;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.core.fs.FileSystem.WriteMode;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.List;

/**
 * PageRank with a bulk iteration on Flink's DataSet API, the algorithm of Flink's PageRankBasic example (and of
 * flink-ts's examples/batch/PageRank.js): start at 1/numPages, split a page's rank over its out-links, sum, dampen
 * with 0.85, stop after --iterations or when no rank moved more than 0.0001.
 *
 * <p>Usage: PageRankBench --pages p --links l --output o --numPages n --iterations k [--epsilon 0.0001] [--parallelism 2]
 * [--managedMemory 2g]. --epsilon is a benchmark knob (Flink's example fixes it at 0.0001): 0 runs every iteration.
 */
public final class PageRankBench {
  static final double DAMPENING = 0.85;
  static final double DEFAULT_EPSILON = 0.0001;

  private PageRankBench() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    long numPages = params.getLong("numPages");
    ExecutionEnvironment env = Bench.localEnvironment(params.getInt("parallelism", 2), params.get("managedMemory", "2g"));

    DataSet<Long> pages = env.readCsvFile(params.getRequired("pages")).fieldDelimiter(" ").types(Long.class).map(new FirstField());
    DataSet<Tuple2<Long, Long>> links = env.readCsvFile(params.getRequired("links")).fieldDelimiter(" ").types(Long.class, Long.class);

    DataSet<Tuple2<Long, Double>> initialRanks = pages.map(new InitialRank(1.0 / numPages));
    DataSet<Tuple2<Long, Long[]>> adjacency = links.groupBy(0).reduceGroup(new OutLinks());

    IterativeDataSet<Tuple2<Long, Double>> iteration = initialRanks.iterate(params.getInt("iterations", 10));
    DataSet<Tuple2<Long, Double>> newRanks = iteration
        .join(adjacency).where(0).equalTo(0)
        .flatMap(new SplitRank())
        .groupBy(0).aggregate(Aggregations.SUM, 1)
        .map(new Dampen(numPages));
    DataSet<Tuple2<Tuple2<Long, Double>, Tuple2<Long, Double>>> moved = newRanks
        .join(iteration).where(0).equalTo(0)
        .filter(new MovedMoreThanEpsilon(params.getDouble("epsilon", DEFAULT_EPSILON)));

    iteration.closeWith(newRanks, moved).writeAsCsv(params.getRequired("output"), "\n", " ", WriteMode.OVERWRITE);
    Bench.executeAndReport(env, "PageRank (Flink DataSet API)");
  }

  static final class FirstField implements MapFunction<Tuple1<Long>, Long> {
    @Override
    public Long map(Tuple1<Long> row) {
      return row.f0;
    }
  }

  static final class InitialRank implements MapFunction<Long, Tuple2<Long, Double>> {
    private final double rank;

    InitialRank(double rank) {
      this.rank = rank;
    }

    @Override
    public Tuple2<Long, Double> map(Long page) {
      return new Tuple2<>(page, rank);
    }
  }

  static final class OutLinks implements GroupReduceFunction<Tuple2<Long, Long>, Tuple2<Long, Long[]>> {
    @Override
    public void reduce(Iterable<Tuple2<Long, Long>> group, Collector<Tuple2<Long, Long[]>> out) {
      List<Long> targets = new ArrayList<>();
      Long source = null;
      for (Tuple2<Long, Long> link : group) {
        source = link.f0;
        targets.add(link.f1);
      }
      out.collect(new Tuple2<>(source, targets.toArray(new Long[0])));
    }
  }

  static final class SplitRank implements FlatMapFunction<Tuple2<Tuple2<Long, Double>, Tuple2<Long, Long[]>>, Tuple2<Long, Double>> {
    @Override
    public void flatMap(Tuple2<Tuple2<Long, Double>, Tuple2<Long, Long[]>> pageAndLinks, Collector<Tuple2<Long, Double>> out) {
      Long[] targets = pageAndLinks.f1.f1;
      double share = pageAndLinks.f0.f1 / targets.length;
      for (Long t : targets) out.collect(new Tuple2<>(t, share));
    }
  }

  /** The dampening step; its open() marks the superstep's start for the report. */
  static final class Dampen extends RichMapFunction<Tuple2<Long, Double>, Tuple2<Long, Double>> {
    private final double randomJump;

    Dampen(long numPages) {
      this.randomJump = (1 - DAMPENING) / numPages;
    }

    @Override
    public void open(OpenContext openContext) {
      Bench.superstepOpened(getIterationRuntimeContext().getSuperstepNumber());
    }

    @Override
    public Tuple2<Long, Double> map(Tuple2<Long, Double> pageAndSum) {
      pageAndSum.f1 = pageAndSum.f1 * DAMPENING + randomJump;
      return pageAndSum;
    }
  }

  static final class MovedMoreThanEpsilon implements FilterFunction<Tuple2<Tuple2<Long, Double>, Tuple2<Long, Double>>> {
    private final double epsilon;

    MovedMoreThanEpsilon(double epsilon) {
      this.epsilon = epsilon;
    }

    @Override
    public boolean filter(Tuple2<Tuple2<Long, Double>, Tuple2<Long, Double>> nowAndBefore) {
      return Math.abs(nowAndBefore.f0.f1 - nowAndBefore.f1.f1) > epsilon;
    }
  }
}
