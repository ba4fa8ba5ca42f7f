import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Configuration, hideSensitiveValues, restScheme, restSslClientOptions, restSslServerOptions } from '../../../src/config/index.js';
import { makeTestPki, type TestPki } from '../../support/test-pki.js';

describe('REST TLS settings (security.ssl.rest.*, PEM files)', function () {
  this.timeout(30_000);
  let dir: string;
  let pki: TestPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flink-rest-ssl-'));
    pki = await makeTestPki(dir);
  });

  after(async () => rm(dir, { recursive: true, force: true }));

  const conf = (map: Record<string, string>): Configuration => Configuration.fromMap(map);
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    assert.fail('expected an error');
  };

  it('hides passwords and other secrets when the configuration is shown', () => {
    assert.deepEqual(
      hideSensitiveValues([
        ['security.ssl.rest.key-password', 'k'],
        ['security.ssl.rest.keystore-password', 'k'],
        ['fs.s3a.secret.key', 's'],
        ['some.api-key', 'a'],
        ['security.ssl.rest.keystore', '/etc/rest.pem'],
        ['rest.port', '8081'],
      ]),
      [
        { key: 'security.ssl.rest.key-password', value: '******' },
        { key: 'security.ssl.rest.keystore-password', value: '******' },
        { key: 'fs.s3a.secret.key', value: '******' },
        { key: 'some.api-key', value: '******' },
        { key: 'security.ssl.rest.keystore', value: '/etc/rest.pem' },
        { key: 'rest.port', value: '8081' },
      ],
    );
  });

  it('is off by default: plain HTTP on both sides', () => {
    assert.equal(restSslServerOptions(conf({})), undefined);
    assert.equal(restSslClientOptions(conf({})), undefined);
    assert.equal(restScheme(conf({})), 'http');
  });

  it("serves with the keystore's certificate and key; Flink's older security.ssl.* keys count too", () => {
    const server = restSslServerOptions(conf({ 'security.ssl.enabled': 'true', 'security.ssl.keystore': pki.keystore }));
    assert.ok(server);
    assert.match(server.cert, /^-----BEGIN CERTIFICATE-----/);
    assert.match(server.key, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(server.requestCert, false);
    assert.equal(restScheme(conf({ 'security.ssl.enabled': 'true' })), 'https');
  });

  it('asks for client certificates, checked against the truststore, when authentication is enabled', () => {
    const map = { 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': pki.keystore, 'security.ssl.rest.authentication-enabled': 'true' };
    assert.equal(
      message(() => restSslServerOptions(conf(map))),
      'security.ssl.rest.truststore is not set: security.ssl.rest.authentication-enabled is true, so the REST endpoint needs ' +
        'the CA certificates to check client certificates against. Set security.ssl.rest.truststore to a PEM file.',
    );
    const server = restSslServerOptions(conf({ ...map, 'security.ssl.rest.truststore': pki.ca }));
    assert.equal(server?.requestCert, true);
    assert.equal(server?.rejectUnauthorized, true);
    assert.match(server?.ca ?? '', /BEGIN CERTIFICATE/);

    const client = restSslClientOptions(conf({ ...map, 'security.ssl.rest.truststore': pki.ca }));
    assert.ok(client?.cert && client.key && client.ca, 'the client presents the keystore and trusts the truststore');
    assert.equal(client.verifyHostname, true);
  });

  it('lets a client without a truststore rely on the built-in CAs, and without authentication send no certificate', () => {
    const client = restSslClientOptions(conf({ 'security.ssl.rest.enabled': 'true', 'security.ssl.verify-hostname': 'false' }));
    assert.deepEqual(client, { verifyHostname: false });
  });

  it('explains a missing keystore, a file that is not PEM, and a PEM without a key', async () => {
    assert.equal(
      message(() => restSslServerOptions(conf({ 'security.ssl.rest.enabled': 'true' }))),
      'security.ssl.rest.keystore is not set: security.ssl.rest.enabled is true, so the REST endpoint needs its certificate ' +
        'and private key. Set security.ssl.rest.keystore to a PEM file.',
    );
    const jks = join(dir, 'keystore.jks');
    await writeFile(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    assert.match(
      message(() => restSslServerOptions(conf({ 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': jks }))),
      new RegExp(`^security\\.ssl\\.rest\\.keystore \\(${jks}\\) is not a PEM file\\. flink-ts reads PEM where Flink reads Java keystores; convert one with keytool`),
    );
    assert.match(
      message(() => restSslServerOptions(conf({ 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': pki.ca }))),
      /^security\.ssl\.rest\.keystore \(.*ca\.pem\) holds no private key\. Put the certificate \(chain\) and its private key into one PEM file, e\.g\. cat cert\.pem key\.pem > rest\.pem\.$/,
    );
    assert.match(
      message(() => restSslServerOptions(conf({ 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': join(dir, 'nope.pem') }))),
      /^Cannot read security\.ssl\.rest\.keystore \(.*nope\.pem\): ENOENT/,
    );
  });

  it('decrypts an encrypted key with key-password (or keystore-password), and names the key when it cannot', () => {
    const base = { 'security.ssl.rest.enabled': 'true', 'security.ssl.rest.keystore': pki.encryptedKeystore };
    assert.equal(
      message(() => restSslServerOptions(conf(base))),
      `The private key in security.ssl.rest.keystore (${pki.encryptedKeystore}) is encrypted: set security.ssl.rest.key-password to its passphrase.`,
    );
    assert.match(
      message(() => restSslServerOptions(conf({ ...base, 'security.ssl.rest.key-password': 'wrong' }))),
      /^Cannot use security\.ssl\.rest\.keystore \(.*\): .*decrypt.*\. Is security\.ssl\.rest\.key-password the passphrase of the key\?$/,
    );
    assert.equal(restSslServerOptions(conf({ ...base, 'security.ssl.rest.key-password': pki.keyPassword }))?.passphrase, pki.keyPassword);
    assert.equal(restSslServerOptions(conf({ ...base, 'security.ssl.rest.keystore-password': pki.keyPassword }))?.passphrase, pki.keyPassword);
  });
});
