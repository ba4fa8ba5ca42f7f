/**
 * TLS for the REST endpoint, under Flink's `security.ssl.rest.*` keys. Where Flink reads Java keystores, flink-ts
 * reads PEM files: the "keystore" is one PEM file with the certificate (chain) and its private key, the
 * "truststore" a PEM file with the trusted CA certificates. flink-ts has no TLS on its internal connections (RPC,
 * data exchange), so `security.ssl.internal.*` has no counterpart here.
 */
import { booleanOption, stringOption } from './config-option.js';

export const SecurityOptions = Object.freeze({
  SSL_REST_ENABLED: booleanOption('security.ssl.rest.enabled', false, {
    description:
      'Whether the REST endpoint speaks HTTPS (TLS) only; bin/flink and start-cluster.sh then connect with https. ' +
      'Needs security.ssl.rest.keystore on the JobManager. The older umbrella key security.ssl.enabled turns it on ' +
      'too (in Flink it also secures internal connections, which flink-ts keeps plain).',
    deprecatedKeys: ['security.ssl.enabled'],
  }),
  SSL_REST_AUTHENTICATION_ENABLED: booleanOption('security.ssl.rest.authentication-enabled', false, {
    description:
      'Whether the REST endpoint also requires a client certificate signed by a CA in security.ssl.rest.truststore ' +
      '(mutual TLS); clients present the certificate of their own security.ssl.rest.keystore. Only with ' +
      'security.ssl.rest.enabled.',
  }),
  SSL_REST_KEYSTORE: stringOption('security.ssl.rest.keystore', undefined, {
    description:
      "A PEM file (where Flink takes a Java keystore) with the certificate chain and the private key: the REST " +
      "endpoint's own on the JobManager, the client certificate for bin/flink when authentication is enabled. " +
      'Combine separate files with cat cert.pem key.pem > rest.pem. A relative path is relative to the working ' +
      'directory of the process; prefer an absolute one.',
    deprecatedKeys: ['security.ssl.keystore'],
  }),
  SSL_REST_KEYSTORE_PASSWORD: stringOption('security.ssl.rest.keystore-password', undefined, {
    description:
      'The passphrase of an encrypted private key in security.ssl.rest.keystore when security.ssl.rest.key-password ' +
      'is unset (a PEM file has no password of its own).',
    deprecatedKeys: ['security.ssl.keystore-password'],
  }),
  SSL_REST_KEY_PASSWORD: stringOption('security.ssl.rest.key-password', undefined, {
    description: 'The passphrase of an encrypted private key in security.ssl.rest.keystore.',
    deprecatedKeys: ['security.ssl.key-password'],
  }),
  SSL_REST_TRUSTSTORE: stringOption('security.ssl.rest.truststore', undefined, {
    description:
      'A PEM file (where Flink takes a Java truststore) with the CA certificates to trust: clients check the REST ' +
      "endpoint's certificate against it (if unset, against Node.js' built-in public CAs), and with authentication " +
      'enabled the endpoint checks client certificates against it (then it is required).',
    deprecatedKeys: ['security.ssl.truststore'],
  }),
  SSL_VERIFY_HOSTNAME: booleanOption('security.ssl.verify-hostname', true, {
    description:
      "Whether clients check that the REST endpoint's certificate names the host they connect to. Turn off only for " +
      'certificates without the right host names, on networks you trust.',
  }),
});
