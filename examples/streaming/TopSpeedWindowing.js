/**
 * Top speed per car, in the spirit of Flink's TopSpeedWindowing example, on event time with out-of-order
 * data: cars report [carId, speed, distance, time]; every 10 seconds of event time the example emits
 * each car's fastest report. Reports may arrive up to 2 s out of order; a report up to 5 s late still
 * updates its window's result (allowed lateness); later ones go to a side output of late data.
 *
 *   bin/flink run examples/streaming/TopSpeedWindowing.js [--cars 3] [--reports 600] [--output <dir>]
 *
 * Output: `(carId,speed,distance,time)` per car and window; late reports to `<dir>/late` (or stdout
 * prefixed `late>`).
 */
import {
  StreamExecutionEnvironment,
  ParameterTool,
  WatermarkStrategy,
  Duration,
  Time,
  TumblingEventTimeWindows,
  OutputTag,
} from 'flink-ts';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const cars = Number(params.get('cars', '3'));
const reports = Number(params.get('reports', '600'));
const env = StreamExecutionEnvironment.getExecutionEnvironment();

const lateReports = new OutputTag('late-reports');
const MAX_OUT_OF_ORDERNESS_MS = Duration.ofSeconds(2).toMillis();

const carData = env.fromCollection(generateReports(cars, reports), 'Car Reports');

// A watermark after every report (2 s behind the latest report time), so which reports count as late
// depends only on the data, not on how fast it flows: the output is the same on every run.
const watermarkPerReport = WatermarkStrategy.forGenerator(() => {
  let maxTime = Number.NEGATIVE_INFINITY;
  return {
    onEvent: (_report, time, output) => {
      maxTime = Math.max(maxTime, time);
      output.emitWatermark(maxTime - MAX_OUT_OF_ORDERNESS_MS - 1);
    },
    onPeriodicEmit: () => {},
  };
}).withTimestampAssigner((r) => r[3]);

const topSpeeds = carData
  .assignTimestampsAndWatermarks(watermarkPerReport)
  .keyBy((r) => r[0])
  .window(TumblingEventTimeWindows.of(Time.seconds(10)))
  .allowedLateness(Time.seconds(5))
  .sideOutputLateData(lateReports)
  .maxBy(1);

const late = topSpeeds.getSideOutput(lateReports);

if (params.has('output')) {
  topSpeeds.writeAsText(`${params.get('output')}/top`, 'OVERWRITE');
  late.writeAsText(`${params.get('output')}/late`, 'OVERWRITE');
} else {
  console.log('Printing result to stdout. Use --output to specify output path.');
  topSpeeds.print();
  late.print('late');
}

await env.execute('CarTopSpeedWindowingExample');

/**
 * Reports one per second per car, deterministic speeds; every 50th report is held back 4 s (late but
 * within the allowed lateness) and every 97th is held back 30 s (too late: side output).
 */
function generateReports(numCars, n) {
  const out = [];
  const speeds = new Array(numCars).fill(50);
  const distances = new Array(numCars).fill(0);
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const car = i % numCars;
    const time = 1_700_000_000_000 + Math.floor(i / numCars) * 1000;
    speeds[car] = Math.max(0, Math.min(120, speeds[car] + (rnd() < 0.5 ? -5 : 5)));
    distances[car] += speeds[car] / 3.6;
    out.push({ report: [car, speeds[car], Math.round(distances[car]), time], arrival: time });
  }
  out.forEach((r, i) => {
    if (i % 97 === 96) r.arrival += 30_000;
    else if (i % 50 === 49) r.arrival += 4_000;
    else r.arrival += Math.floor(rnd() * 1500); // ordinary disorder within the 2 s bound
  });
  return out.sort((a, b) => a.arrival - b.arrival).map((r) => r.report);
}
