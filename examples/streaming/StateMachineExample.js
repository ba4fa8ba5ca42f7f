/**
 * State machine example, after Flink's: every source address (a user session) must follow a small state
 * machine of event types; each address's current state is kept in keyed ValueState, and every event that is
 * not allowed in the current state becomes an alert on a side output.
 *
 *   bin/flink run examples/streaming/StateMachineExample.js [--events <n>] [--error-rate <0..1>] [--seed <n>]
 *       [--output <path>] [--sessions-output <path>] [--events-output <path>]
 *
 * The built-in generator plays --events events (default 10000) of up to 100 concurrent sessions, and makes
 * about --error-rate (default 0.01) of them invalid on purpose. Output: the alerts
 * `ALERT <address>:<state> -> <event type> (event #<n>)` to --output, or to the TaskManagers' stdout (the .out
 * files) without it. --sessions-output gets a line per session that reached the end; --events-output gets
 * every generated event as `<address> #<n> <type>`, with ` (invalid)` on those the generator made invalid.
 *
 * The state machine (Flink's): Initial -a-> W, Initial -c-> X, W -b-> Y, X -b-> Y, X -d-> Z, Y -e-> Z,
 * Z -g-> Terminal; a session ends in Terminal.
 */
import { StreamExecutionEnvironment, ParameterTool, KeyedProcessFunction, ValueStateDescriptor, OutputTag } from 'flink-ts';

/** Allowed transitions: state -> event type -> [next state, how often the generator picks it]. */
const TRANSITIONS = {
  Initial: { a: ['W', 0.6], c: ['X', 0.4] },
  W: { b: ['Y', 1] },
  X: { b: ['Y', 0.2], d: ['Z', 0.8] },
  Y: { e: ['Z', 1] },
  Z: { g: ['Terminal', 1] },
};
const EVENT_TYPES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

const params = ParameterTool.fromArgs(process.argv.slice(2));
const events = wholeNumber('events', 10_000);
const seed = wholeNumber('seed', 1);
const errorRate = Number(params.get('error-rate', '0.01'));
if (!(errorRate >= 0 && errorRate <= 1)) usage(`--error-rate must be a number from 0 to 1, not '${params.get('error-rate')}'`);

/** Checks each address's events against the state machine; invalid ones go to the alerts side output. */
const alerts = new OutputTag('alerts');
class StateMachineChecker extends KeyedProcessFunction {
  open() {
    this.state = this.getRuntimeContext().getState(new ValueStateDescriptor('state'));
  }
  processElement(event, ctx, out) {
    const state = this.state.value() ?? 'Initial';
    const next = TRANSITIONS[state]?.[event.type]?.[0];
    if (next === undefined) {
      // An invalid event leaves the session where it was, as in Flink's example.
      ctx.output(alerts, `ALERT ${event.address}:${state} -> ${event.type} (event #${event.seq})`);
    } else if (next === 'Terminal') {
      this.state.clear();
      out.collect(`SESSION ${event.address} complete after ${event.seq} events`);
    } else {
      this.state.update(next);
    }
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
// One generator instance, so every address's events reach the checker in the order they were made.
const generated = env.fromCollection(generate(events, errorRate, seed), 'Event Generator');
if (params.has('events-output')) {
  generated
    .map((e) => `${e.address} #${e.seq} ${e.type}${e.invalid ? ' (invalid)' : ''}`)
    .setParallelism(1)
    .writeAsText(params.get('events-output'), 'OVERWRITE')
    .setParallelism(1);
}
const sessions = generated
  // The checker must not see the generator's own mark. Parallelism 1 keeps this map chained to the
  // generator: a parallel map would take events round-robin and could reorder one address's events.
  .map(({ address, seq, type }) => ({ address, seq, type }))
  .setParallelism(1)
  .keyBy((e) => e.address)
  .process(new StateMachineChecker())
  .name('State machine');

if (params.has('output')) {
  sessions.getSideOutput(alerts).writeAsText(params.get('output'), 'OVERWRITE');
} else {
  console.log('Printing alerts to stdout. Use --output to specify output path.');
  sessions.getSideOutput(alerts).print();
}
if (params.has('sessions-output')) sessions.writeAsText(params.get('sessions-output'), 'OVERWRITE');

await env.execute('State machine job');

/**
 * Events of up to 100 concurrent sessions, each following the state machine with Flink's transition
 * probabilities; with probability `errorRate` an event is replaced by one its session's state does not
 * allow. A session that reaches Terminal makes room for a new address.
 */
function generate(n, errorRate, seed) {
  let s = seed >>> 0 || 1;
  // xorshift32: the same seed gives the same events on every run.
  const random = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const active = new Map();
  let nextAddress = 1;
  const out = [];
  for (let i = 0; i < n; i++) {
    while (active.size < 100) active.set(nextAddress++, { state: 'Initial', seq: 0 });
    const addresses = [...active.keys()];
    const address = addresses[Math.floor(random() * addresses.length)];
    const session = active.get(address);
    const allowed = TRANSITIONS[session.state];
    session.seq++;
    if (random() < errorRate) {
      const wrong = EVENT_TYPES.filter((t) => !(t in allowed));
      out.push({ address, seq: session.seq, type: wrong[Math.floor(random() * wrong.length)], invalid: true });
      continue;
    }
    let pick = random();
    let chosen = Object.keys(allowed)[0];
    for (const [type, [, p]] of Object.entries(allowed)) {
      chosen = type;
      if ((pick -= p) < 0) break;
    }
    const next = allowed[chosen][0];
    out.push({ address, seq: session.seq, type: chosen, invalid: false });
    if (next === 'Terminal') active.delete(address);
    else session.state = next;
  }
  return out;
}

function wholeNumber(name, fallback) {
  const text = params.get(name, String(fallback));
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) usage(`--${name} must be a whole number >= 0, not '${text}'`);
  return n;
}

function usage(problem) {
  console.error(
    `StateMachineExample: ${problem}.\nUsage: StateMachineExample.js [--events <n>] [--error-rate <0..1>] [--seed <n>] ` +
      '[--output <path>] [--sessions-output <path>] [--events-output <path>]',
  );
  process.exit(1);
}
