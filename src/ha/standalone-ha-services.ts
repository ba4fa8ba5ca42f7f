/**
 * HA mode NONE: one JobManager at a configured address, always the leader, with Flink's fixed default
 * leader session id.
 */
import type { HighAvailabilityServices, LeaderContender, LeaderElection, LeaderInformation, LeaderRetrieval } from './high-availability-services.js';

export const DEFAULT_LEADER_ID = '00000000-0000-0000-0000-000000000000';

class StandaloneLeaderElection implements LeaderElection {
  private contender: LeaderContender | undefined;
  async start(contender: LeaderContender): Promise<void> {
    this.contender = contender;
    await contender.grantLeadership(DEFAULT_LEADER_ID);
  }
  async confirmLeadership(): Promise<void> {}
  async close(): Promise<void> {
    const c = this.contender;
    this.contender = undefined;
    await c?.revokeLeadership();
  }
}

class StandaloneLeaderRetrieval implements LeaderRetrieval {
  constructor(private readonly address: string) {}
  async start(listener: (leader: LeaderInformation | undefined) => void): Promise<void> {
    listener({ address: this.address, leaderSessionId: DEFAULT_LEADER_ID });
  }
  async close(): Promise<void> {}
}

export class StandaloneHaServices implements HighAvailabilityServices {
  readonly mode = 'NONE' as const;
  constructor(
    private readonly jobManagerAddress: string,
    private readonly restAddress: string,
  ) {}
  jobManagerLeaderElection(): LeaderElection {
    return new StandaloneLeaderElection();
  }
  jobManagerLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.jobManagerAddress);
  }
  restLeaderRetrieval(): LeaderRetrieval {
    return new StandaloneLeaderRetrieval(this.restAddress);
  }
  async close(): Promise<void> {}
  async cleanupAllData(): Promise<void> {}
}
