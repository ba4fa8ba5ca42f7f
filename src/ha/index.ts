/**
 * High availability: leader election and retrieval behind one interface, chosen by the
 * `high-availability` option. `NONE` now; `ZOOKEEPER` comes with the HA issue.
 *
 * ```ts
 * const ha = createHaServices(conf);
 * await ha.jobManagerLeaderRetrieval().start((leader) => console.log(leader?.address));
 * ```
 */
import { HighAvailabilityOptions, JobManagerOptions, RestOptions, restAddress, restScheme, type Configuration } from '../config/index.js';
import { FlinkError } from '../util/errors.js';
import type { HighAvailabilityServices } from './high-availability-services.js';
import { StandaloneHaServices } from './standalone-ha-services.js';

export type { HighAvailabilityServices, LeaderContender, LeaderElection, LeaderInformation, LeaderRetrieval } from './high-availability-services.js';
export { DEFAULT_LEADER_ID, StandaloneHaServices } from './standalone-ha-services.js';

export function createHaServices(conf: Configuration, overrides: { rpcPort?: number; restPort?: number } = {}): HighAvailabilityServices {
  const mode = String(conf.get(HighAvailabilityOptions.HA_MODE)).toUpperCase();
  if (mode === 'NONE') {
    const rpc = `${conf.get(JobManagerOptions.ADDRESS)}:${overrides.rpcPort ?? conf.get(JobManagerOptions.PORT)}`;
    const rest = `${restScheme(conf)}://${restAddress(conf)}:${overrides.restPort ?? conf.get(RestOptions.PORT)}`;
    return new StandaloneHaServices(rpc, rest);
  }
  throw new FlinkError('HA_NOT_AVAILABLE', `high-availability: ${mode.toLowerCase()} is not available in this version yet; use high-availability: NONE.`);
}
