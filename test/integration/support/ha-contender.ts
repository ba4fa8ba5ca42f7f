/**
 * A JobManager stand-in for the HA tests, run as its own process (so a test can kill -9 it): it starts the
 * ZooKeeper HA services of the configuration given as JSON in argv[2], runs for leadership, publishes argv[3] as
 * its address when it leads (and the addresses of other components given as JSON in argv[4], e.g.
 * `{"rest_server": "http://127.0.0.1:8081"}`), and reports on stdout as JSON lines: {event: started|granted|revoked|state|put|closed}.
 * Commands on stdin: `put <jobId>` (a fenced job graph write), `close`.
 */
import { createInterface } from 'node:readline';
import { Configuration } from '../../../src/config/index.js';
import { createHaServices, ZooKeeperHaServices } from '../../../src/ha/index.js';

function report(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`);
}

async function main(): Promise<void> {
  const conf = Configuration.fromMap(JSON.parse(process.argv[2] ?? '{}') as Record<string, string>);
  const address = process.argv[3] ?? 'contender';
  const components = JSON.parse(process.argv[4] ?? '{}') as Record<string, string>;
  const ha = createHaServices(conf);
  if (!(ha instanceof ZooKeeperHaServices)) throw new Error('the contender needs high-availability: zookeeper');
  await ha.start();
  ha.client.onConnectionStateChange((state) => report({ event: 'state', state }));
  const election = ha.jobManagerLeaderElection();
  await election.start({
    grantLeadership: async (id) => {
      report({ event: 'granted', id });
      await election.confirmLeadership(id, address);
      for (const [component, at] of Object.entries(components)) await election.confirmLeadership(id, at, component);
    },
    revokeLeadership: async () => report({ event: 'revoked' }),
  });
  report({ event: 'started', session: ha.client.sessionId });
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'put' && arg !== undefined) {
      try {
        await ha.jobGraphStore().putJobGraph(arg, Buffer.from(`graph of ${arg} by ${address}`));
        report({ event: 'put', ok: true });
      } catch (err) {
        report({ event: 'put', ok: false, code: (err as { code?: string }).code, message: (err as Error).message });
      }
    } else if (cmd === 'close') {
      await ha.close();
      report({ event: 'closed' });
      process.exit(0);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
