/**
 * Standalone clusters on several hosts: what bin/start-cluster.sh and bin/stop-cluster.sh do with conf/masters
 * and conf/workers. Hosts that mean this machine run the bin/ scripts directly; every other host is reached over
 * SSH with the ssh2 client, in parallel, honouring the OpenSSH options of env.ssh.opts / FLINK_SSH_OPTS and
 * known_hosts. Each host that fails is named in one line while the others carry on.
 *
 * ```ts
 * const conf = loadConfiguration({ confDir });
 * const sink = { stdout: (l: string) => console.log(l), stderr: (l: string) => console.error(l) };
 * const { exitCode } = await startCluster({ conf, confDir, binDir, out: sink, sshOptions: { text: '-p 2222', source: 'env.ssh.opts' } });
 * ```
 */
export { isHighAvailability, installationVersion, startCluster, stopCluster, type ClusterScriptContext, type ClusterScriptResult } from './cluster-scripts.js';
export {
  HostCommandFailedError,
  HostError,
  HostsFileError,
  RemoteInstallMissingError,
  RemoteVersionMismatchError,
  SshAuthRefusedError,
  SshConnectionError,
  SshConnectTimeoutError,
  SshHostKeyChangedError,
  SshHostKeyUnknownError,
  SshHostUnreachableError,
  SshOptionsError,
} from './errors.js';
export { HostFanOut, type HostStep, type PhaseResult } from './host-fan-out.js';
export { LineSplitter, shQuote, type HostRunner, type OutputSink } from './host-runner.js';
export { hostLines, parseMasterEntry, parseWorkerEntry, readMasters, readWorkers, type HostEntry } from './hosts-file.js';
export { fingerprint, hostPatternsMatch, keyTypeOf, KnownHosts, knownHostsName, type HostKeyStatus } from './known-hosts.js';
export { isLocalHost, localNames, LocalHostRunner } from './local-host.js';
export { SshHostRunner, type SshHostSettings } from './ssh-host.js';
export { DEFAULT_IDENTITY_FILES, loadIdentities, type SshIdentities, type SshIdentity } from './ssh-identities.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, parseSshOptions, splitShellWords, type SshOptions, type StrictHostKeyChecking } from './ssh-options.js';
