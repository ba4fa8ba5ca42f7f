/** `bin/yarn-session.sh`: `node dist/src/client/yarn-session-entry.js [OPTIONS]` (see yarn-session-cli.ts). */
import { yarnSessionMain } from './yarn-session-cli.js';

const code = await yarnSessionMain(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
// Exit once the output is flushed; idle keep-alive sockets must not hold the process open.
let pending = 2;
const done = (): void => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
