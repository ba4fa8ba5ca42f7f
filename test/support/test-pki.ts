/**
 * A throwaway PKI for TLS tests, made with the openssl command line (Node.js cannot issue X.509 certificates):
 * a CA, a certificate for 127.0.0.1/localhost usable by servers and clients (as one Flink keystore is used by
 * both sides), a second such certificate from another CA (one the cluster does not trust), and an encrypted key.
 * PEM files only; everything lives in the directory given, which the caller removes.
 */
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export interface TestPki {
  /** CA certificate (PEM): the truststore. */
  ca: string;
  /** Certificate + private key in one PEM file, signed by `ca`: the keystore. */
  keystore: string;
  /** The same certificate with its key encrypted with `keyPassword`. */
  encryptedKeystore: string;
  keyPassword: string;
  /** CA and keystore of a CA the cluster does not trust. */
  otherCa: string;
  otherKeystore: string;
  /** A keystore signed by `ca` whose certificate names only elsewhere.invalid (not 127.0.0.1 or localhost). */
  wrongHostKeystore: string;
}

const EXT = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n';
const WRONG_HOST_EXT = 'subjectAltName=DNS:elsewhere.invalid\nextendedKeyUsage=serverAuth,clientAuth\n';

async function openssl(dir: string, args: string[]): Promise<void> {
  await execa('openssl', args, { cwd: dir });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=flink-ts test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function makeKeystore(dir: string, ca: string, name: string, ext = 'ext.cnf'): Promise<string> {
  await openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost']);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext]);
  const pem = join(dir, `${name}.pem`);
  await writeFile(pem, (await readFile(join(dir, `${name}.crt`), 'utf8')) + (await readFile(join(dir, `${name}.key`), 'utf8')));
  return pem;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  await writeFile(join(dir, 'ext.cnf'), EXT);
  await writeFile(join(dir, 'wrong-host.cnf'), WRONG_HOST_EXT);
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  const keystore = await makeKeystore(dir, 'ca', 'flink');
  const otherKeystore = await makeKeystore(dir, 'other-ca', 'stranger');
  const wrongHostKeystore = await makeKeystore(dir, 'ca', 'wrong-host', 'wrong-host.cnf');
  const keyPassword = 'test-key-secret';
  await openssl(dir, ['pkcs8', '-topk8', '-in', 'flink.key', '-out', 'flink-encrypted.key', '-passout', `pass:${keyPassword}`]);
  const encryptedKeystore = join(dir, 'flink-encrypted.pem');
  await writeFile(encryptedKeystore, (await readFile(join(dir, 'flink.crt'), 'utf8')) + (await readFile(join(dir, 'flink-encrypted.key'), 'utf8')));
  return { ca: join(dir, 'ca.pem'), keystore, encryptedKeystore, keyPassword, otherCa: join(dir, 'other-ca.pem'), otherKeystore, wrongHostKeystore };
}
