/**
 * Where TaskManagers come from. Standalone clusters have none of this: the scripts start TaskManagers and they
 * register. An active deployment (YARN) gives the ResourceManager a driver, which starts TaskManagers when slot
 * requests wait and stops them when told; the ResourceManager stays the one place that hands out slots.
 */
export interface ResourceDriver {
  /**
   * How many slots the waiting slot requests need beyond the free ones (0: none wait). Called whenever that may
   * have changed: a request came or went, a TaskManager registered or was lost. The driver starts workers for
   * what its starting ones do not cover yet; it never needs to count registered TaskManagers itself.
   */
  onSlotDemand(missingSlots: number): void;
  /** A TaskManager registered under `tmId` (`taskmanager.resource-id`: the driver's worker id, e.g. the container). */
  onTaskManagerRegistered?(tmId: string): void;
  /** A registered TaskManager is gone (connection closed, heartbeat timed out). */
  onTaskManagerLost?(tmId: string): void;
}
