/** known_hosts files as OpenSSH writes them: plain, hashed, ports, wildcards, negation, revoked keys. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, hostPatternsMatch, keyTypeOf, KnownHosts, knownHostsName } from '../../../src/cluster/index.js';

// Two ed25519 keys, and a known_hosts file hashed by `ssh-keygen -H` from "node7.example.org <K1>" and
// "[node8]:2222 <K2>".
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDAdB4bmDg3wzERkVfIlk0FShbbT1x3pyoyRYK6O7s/g';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIOGQhqscZYNfjJirDgGyAMh1ibgJffIDT2L3WFkoY9pw';
const HASHED = [
  `|1|Rv4iFXVwHDLq0lO8EXu/s1CyW1U=|uNdOKYJSBsdK07kphKXRWUAVXtQ= ssh-ed25519 ${K1}`,
  `|1|Pifo4BM9sIfNNUaPnYNrUUqG/Cs=|cp3P+3+6ARv6yFh9dCTo/u3aMOE= ssh-ed25519 ${K2}`,
].join('\n');
const k1 = Buffer.from(K1, 'base64');
const k2 = Buffer.from(K2, 'base64');

describe('known_hosts', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'flink-known-hosts-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('names a host as OpenSSH looks it up', () => {
    assert.equal(knownHostsName('H2', 22), 'h2');
    assert.equal(knownHostsName('h2', 2222), '[h2]:2222');
    assert.equal(keyTypeOf(k1), 'ssh-ed25519');
    assert.match(fingerprint(k1), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches plain names, wildcards and negations', () => {
    assert.ok(hostPatternsMatch('h1,h2,10.0.0.2', 'h2'));
    assert.ok(hostPatternsMatch('*.example.org', 'node1.example.org'));
    assert.ok(hostPatternsMatch('node?', 'node3'));
    assert.ok(!hostPatternsMatch('*.example.org,!bad.example.org', 'bad.example.org'));
    assert.ok(!hostPatternsMatch('h1', 'h10'));
  });

  it('finds hosts in hashed lines, with the port form for ports other than 22', async () => {
    const file = join(dir, 'known_hosts');
    await writeFile(file, `${HASHED}\n`);
    const kh = KnownHosts.load([file], []);
    assert.deepEqual(kh.check('node7.example.org', 22, k1), { kind: 'known' });
    assert.deepEqual(kh.check('NODE7.example.org', 22, k1), { kind: 'known' });
    assert.deepEqual(kh.check('node8', 2222, k2), { kind: 'known' });
    assert.deepEqual(kh.check('node8', 22, k2), { kind: 'unknown' });
    assert.deepEqual(kh.check('node7.example.org', 22, k2), { kind: 'changed', where: `${file}:1` });
    assert.deepEqual(kh.knownKeyTypes('node8', 2222), ['ssh-ed25519']);
  });

  it('tells unknown, changed and revoked keys apart, across user and global files', async () => {
    const user = join(dir, 'user');
    const global = join(dir, 'global');
    await writeFile(user, `# comment\n\nh2 ssh-ed25519 ${K1}\n@revoked * ssh-ed25519 ${K2}\n@cert-authority *.example.org ssh-ed25519 ${K1}\n`);
    await writeFile(global, `h3 ssh-ed25519 ${K2}\n`);
    const kh = KnownHosts.load([user, join(dir, 'missing')], [global]);
    assert.deepEqual(kh.check('h2', 22, k1), { kind: 'known' });
    assert.deepEqual(kh.check('h2', 22, k2), { kind: 'revoked', where: `${user}:4` });
    assert.deepEqual(kh.check('h4', 22, k1), { kind: 'unknown' });
    assert.deepEqual(kh.check('h3', 22, k2), { kind: 'revoked', where: `${user}:4` });
  });

  it('adds an accepted key to the first user file, creating it, and knows it from then on', async () => {
    const file = join(dir, 'ssh', 'known_hosts');
    const kh = KnownHosts.load([file], []);
    assert.equal(kh.add('h5', 2222, k1), file);
    assert.equal(await readFile(file, 'utf8'), `[h5]:2222 ssh-ed25519 ${K1}\n`);
    assert.deepEqual(kh.check('h5', 2222, k1), { kind: 'known' });
    assert.deepEqual(KnownHosts.load([file], []).check('h5', 2222, k1), { kind: 'known' });
    assert.equal(KnownHosts.load(['/dev/null'], []).add('h5', 22, k1), undefined);
  });
});
