/**
 * Values that must not be shown to whoever can read the REST API (`GET /jobmanager/config`): passwords, secrets,
 * tokens. A key counts as sensitive when it contains one of the fragments Flink uses for the same purpose, and
 * its value is shown as Flink shows it, `******`.
 */
const SENSITIVE_FRAGMENTS = [
  'password',
  'secret',
  'token',
  'apikey',
  'api-key',
  'auth-params',
  'service-key',
  'basic-auth',
  'jaas.config',
  'http-headers',
  'fs.azure.account.key',
  // ZooKeeper credentials (high-availability.zookeeper.client.authorization: digest:user:password).
  'authorization',
];

export const HIDDEN_VALUE = '******';

export function isSensitiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SENSITIVE_FRAGMENTS.some((f) => lower.includes(f));
}

/** The entries with sensitive values replaced by {@link HIDDEN_VALUE}. */
export function hideSensitiveValues(entries: ReadonlyArray<readonly [string, string]>): Array<{ key: string; value: string }> {
  return entries.map(([key, value]) => ({ key, value: isSensitiveKey(key) ? HIDDEN_VALUE : value }));
}
