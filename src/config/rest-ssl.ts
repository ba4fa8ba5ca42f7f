/**
 * The TLS material of the REST endpoint and its clients, read from the PEM files that `security.ssl.rest.*`
 * names, and checked once up front so a wrong file or passphrase fails with a sentence naming the key rather than
 * with an OpenSSL code at the first connection.
 *
 * ```ts
 * const server = restSslServerOptions(conf); // undefined: plain HTTP
 * const httpsServer = server ? createServer({ ...server }, handler) : createHttpServer(handler);
 * const client = restSslClientOptions(conf); // { ca?, cert?, key?, passphrase?, verifyHostname }
 * ```
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { ConfigOption } from './config-option.js';
import type { Configuration } from './configuration.js';
import { ConfigurationError } from './configuration-error.js';
import { SecurityOptions } from './security-options.js';

export interface RestSslServerOptions {
  readonly cert: string;
  readonly key: string;
  readonly passphrase?: string;
  readonly ca?: string;
  /** Mutual TLS: ask for a client certificate and refuse the connection without a valid one. */
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

export interface RestSslClientOptions {
  /** The CAs to check the endpoint's certificate against; Node's built-in list when undefined. */
  readonly ca?: string;
  /** The client certificate and key, when the endpoint requires one. */
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
  readonly verifyHostname: boolean;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

export function restSslEnabled(conf: Configuration): boolean {
  return conf.get(SecurityOptions.SSL_REST_ENABLED);
}

export function restScheme(conf: Configuration): 'http' | 'https' {
  return restSslEnabled(conf) ? 'https' : 'http';
}

/** What the JobManager's REST endpoint serves with, or undefined for plain HTTP. */
export function restSslServerOptions(conf: Configuration): RestSslServerOptions | undefined {
  if (!restSslEnabled(conf)) return undefined;
  const { cert, key, passphrase } = keystore(
    conf,
    'security.ssl.rest.enabled is true, so the REST endpoint needs its certificate and private key',
  );
  if (!conf.get(SecurityOptions.SSL_REST_AUTHENTICATION_ENABLED)) {
    return { cert, key, ...optional('passphrase', passphrase), requestCert: false, rejectUnauthorized: false };
  }
  const ca = truststore(
    conf,
    'security.ssl.rest.authentication-enabled is true, so the REST endpoint needs the CA certificates to check client certificates against',
  );
  return { cert, key, ...optional('passphrase', passphrase), ca, requestCert: true, rejectUnauthorized: true };
}

/** How a client (bin/flink, start-cluster.sh) connects, or undefined for plain HTTP. */
export function restSslClientOptions(conf: Configuration): RestSslClientOptions | undefined {
  if (!restSslEnabled(conf)) return undefined;
  const verifyHostname = conf.get(SecurityOptions.SSL_VERIFY_HOSTNAME);
  const ca = conf.getOptional(SecurityOptions.SSL_REST_TRUSTSTORE) === undefined ? undefined : truststore(conf, '');
  const base = { ...optional('ca', ca), verifyHostname };
  if (!conf.get(SecurityOptions.SSL_REST_AUTHENTICATION_ENABLED)) return base;
  const { cert, key, passphrase } = keystore(
    conf,
    'security.ssl.rest.authentication-enabled is true, so this client needs a certificate and private key to present',
  );
  return { ...base, cert, key, ...optional('passphrase', passphrase) };
}

function optional<K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, V>);
}

function keystore(conf: Configuration, why: string): { cert: string; key: string; passphrase?: string } {
  const option = SecurityOptions.SSL_REST_KEYSTORE;
  const { path, text } = readPem(conf, option, why);
  const certs = text.match(CERTIFICATE) ?? [];
  const key = PRIVATE_KEY.exec(text)?.[0];
  const combine = 'Put the certificate (chain) and its private key into one PEM file, e.g. cat cert.pem key.pem > rest.pem';
  if (certs.length === 0) throw new ConfigurationError(`${option.key} (${path}) holds no certificate. ${combine}.`, { key: option.key });
  if (key === undefined) throw new ConfigurationError(`${option.key} (${path}) holds no private key. ${combine}.`, { key: option.key });
  const passphrase =
    conf.getOptional(SecurityOptions.SSL_REST_KEY_PASSWORD) ?? conf.getOptional(SecurityOptions.SSL_REST_KEYSTORE_PASSWORD);
  const cert = certs.join('\n');
  if (passphrase === undefined && /ENCRYPTED/.test(key)) {
    throw new ConfigurationError(
      `The private key in ${option.key} (${path}) is encrypted: set security.ssl.rest.key-password to its passphrase.`,
      { key: option.key },
    );
  }
  try {
    createSecureContext({ cert, key, ...optional('passphrase', passphrase) });
  } catch (err) {
    const reason = (err as Error).message;
    const hint = /decrypt|passphrase|bad password/i.test(reason)
      ? 'Is security.ssl.rest.key-password the passphrase of the key?'
      : /mismatch/i.test(reason)
        ? 'The private key does not belong to the first certificate; put the certificate first, then its CA chain.'
        : 'Check that the file holds a certificate and its private key in PEM format.';
    throw new ConfigurationError(`Cannot use ${option.key} (${path}): ${reason}. ${hint}`, { key: option.key, cause: err });
  }
  return { cert, key, ...optional('passphrase', passphrase) };
}

function truststore(conf: Configuration, why: string): string {
  const option = SecurityOptions.SSL_REST_TRUSTSTORE;
  const { path, text } = readPem(conf, option, why);
  const certs = text.match(CERTIFICATE) ?? [];
  if (certs.length === 0) throw new ConfigurationError(`${option.key} (${path}) holds no CA certificate.`, { key: option.key });
  const ca = certs.join('\n');
  try {
    createSecureContext({ ca });
  } catch (err) {
    throw new ConfigurationError(`Cannot use ${option.key} (${path}): ${(err as Error).message}.`, { key: option.key, cause: err });
  }
  return ca;
}

function readPem(conf: Configuration, option: ConfigOption<string>, why: string): { path: string; text: string } {
  const value = conf.getOptional(option);
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(
      `${option.key} is not set: ${why}. Set ${option.key} to a PEM file.`,
      { key: option.key },
    );
  }
  const path = resolve(value);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`Cannot read ${option.key} (${path}): ${(err as Error).message}.`, { key: option.key, cause: err });
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigurationError(
      `${option.key} (${path}) is not a PEM file. flink-ts reads PEM where Flink reads Java keystores; convert one with ` +
        'keytool -importkeystore -srckeystore <file>.jks -destkeystore <file>.p12 -deststoretype PKCS12, then ' +
        'openssl pkcs12 -in <file>.p12 -nodes -out <file>.pem.',
      { key: option.key },
    );
  }
  return { path, text };
}
