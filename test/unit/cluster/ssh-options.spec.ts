/** The OpenSSH options of env.ssh.opts / FLINK_SSH_OPTS as the ssh2 client reads them. */
import assert from 'node:assert/strict';
import { DEFAULT_CONNECT_TIMEOUT_MS, parseSshOptions, splitShellWords, SshOptionsError } from '../../../src/cluster/index.js';

const HOME = '/home/flink';

describe('ssh options (env.ssh.opts / FLINK_SSH_OPTS)', () => {
  it('has the defaults of ssh when empty', () => {
    for (const text of [undefined, '', '   ']) {
      const o = parseSshOptions(text, 'env.ssh.opts', HOME);
      assert.equal(o.port, undefined);
      assert.equal(o.user, undefined);
      assert.deepEqual(o.identityFiles, []);
      assert.equal(o.strictHostKeyChecking, 'ask');
      assert.equal(o.userKnownHostsFiles, undefined);
      assert.equal(o.connectTimeoutMs, undefined);
      assert.equal(o.identitiesOnly, false);
    }
    assert.equal(DEFAULT_CONNECT_TIMEOUT_MS, 20_000);
  });

  it('reads -p, -i (several, ~ expanded), -l, attached and separate values', () => {
    const o = parseSshOptions('-p 2222 -i ~/.ssh/cluster_key -i/etc/keys/other -lflink', 'env.ssh.opts', HOME);
    assert.equal(o.port, 2222);
    assert.deepEqual(o.identityFiles, ['/home/flink/.ssh/cluster_key', '/etc/keys/other']);
    assert.equal(o.user, 'flink');
  });

  it('reads the -o options users put there, case-insensitive keys, Key=Value and Key Value', () => {
    const o = parseSshOptions(
      '-o StrictHostKeyChecking=no -o userknownhostsfile=/dev/null -o ConnectTimeout=7 -o BatchMode=yes -o "Port 2200" -oUser=ops -o IdentityFile=~/k',
      'FLINK_SSH_OPTS',
      HOME,
    );
    assert.equal(o.strictHostKeyChecking, 'no');
    assert.deepEqual(o.userKnownHostsFiles, ['/dev/null']);
    assert.equal(o.connectTimeoutMs, 7000);
    assert.equal(o.port, 2200);
    assert.equal(o.user, 'ops');
    assert.deepEqual(o.identityFiles, ['/home/flink/k']);
    assert.equal(parseSshOptions('-o StrictHostKeyChecking=accept-new', 'x', HOME).strictHostKeyChecking, 'accept-new');
    assert.equal(parseSshOptions('-o StrictHostKeyChecking=off', 'x', HOME).strictHostKeyChecking, 'no');
    assert.equal(parseSshOptions('-o StrictHostKeyChecking=yes', 'x', HOME).strictHostKeyChecking, 'yes');
    assert.deepEqual(parseSshOptions("-o 'UserKnownHostsFile=~/a /etc/b'", 'x', HOME).userKnownHostsFiles, ['/home/flink/a', '/etc/b']);
  });

  it('accepts the flags that change nothing for a cluster start, and -4/-6', () => {
    const o = parseSshOptions('-n -T -x -q -nT -4', 'env.ssh.opts', HOME);
    assert.equal(o.family, 4);
    assert.equal(parseSshOptions('-6', 'env.ssh.opts', HOME).family, 6);
  });

  it('refuses what it cannot honour, naming the option, where it came from, and what it understands', () => {
    const cases: Array<[string, RegExp]> = [
      ['-A', /^FLINK_SSH_OPTS: the ssh option '-A' is not supported.*remove it.*understands -p PORT/],
      ['-o ProxyJump=bastion', /^FLINK_SSH_OPTS: the ssh option '-o ProxyJump' is not supported/],
      ['-p', /^FLINK_SSH_OPTS: -p needs a value\.$/],
      ['-p http', /-p must be a whole number from 1 to 65535, not 'http'/],
      ['-o ConnectTimeout=soon', /ConnectTimeout must be a whole number/],
      ['-o StrictHostKeyChecking=maybe', /must be yes, accept-new, no, off or ask/],
      ['-o BatchMode=sure', /BatchMode=sure: the value must be yes or no/],
      ['worker1', /'worker1' is not an ssh option \(host names belong in conf\/masters and conf\/workers\)/],
      ["-i 'unterminated", /unmatched '/],
      ['-o', /-o needs a value/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(
        () => parseSshOptions(text, 'FLINK_SSH_OPTS', HOME),
        (err: unknown) => err instanceof SshOptionsError && err.code === 'SSH_OPTIONS_INVALID' && expected.test(err.message),
        text,
      );
    }
  });

  it('splits words like a shell: quotes and backslashes', () => {
    assert.deepEqual(splitShellWords(`-i "/a b/key" -o 'X=1 2' c\\ d  `, 's'), ['-i', '/a b/key', '-o', 'X=1 2', 'c d']);
    assert.deepEqual(splitShellWords(`""`, 's'), ['']);
  });
});
