/**
 * A resource manager for TaskManager tests: an RPC server on 127.0.0.1 that leads under `sessionId` (settable, e.g.
 * once a contender was granted leadership), refuses registrations for another session with NOT_LEADER as the real
 * one does, and records what TaskManagers did.
 */
import type { LeaderInformation } from '../../src/ha/index.js';
import { RpcServer } from '../../src/rpc/rpc-connection.js';
import { ResourceManagerGateway, type RegistrationSuccess, type TaskExecutorRegistration } from '../../src/rpc/gateways.js';
import { FlinkError } from '../../src/util/errors.js';

export class TestingResourceManager {
  readonly registrations: TaskExecutorRegistration[] = [];
  readonly refused: TaskExecutorRegistration[] = [];
  readonly disconnects: string[] = [];
  connectionsClosed = 0;
  private readonly server: RpcServer;

  /** Undefined: it leads under no session (yet) and refuses every registration. */
  constructor(public sessionId: string | undefined) {
    this.server = new RpcServer('127.0.0.1', 0, (conn) => {
      conn.handle(ResourceManagerGateway.registerTaskExecutor, (reg: TaskExecutorRegistration): RegistrationSuccess => {
        const sessionId = this.sessionId;
        if (sessionId === undefined || reg.leaderSessionId !== sessionId) {
          this.refused.push(reg);
          throw new FlinkError('NOT_LEADER', `This resource manager does not lead under session ${reg.leaderSessionId ?? '(none)'}.`);
        }
        this.registrations.push(reg);
        return { resourceManagerId: sessionId, heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 120_000 };
      });
      conn.handle(ResourceManagerGateway.disconnectTaskManager, (req: { tmId: string }) => void this.disconnects.push(req.tmId));
      conn.on('close', () => this.connectionsClosed++);
    });
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  /** Its address under its session id (which must be set). */
  get leader(): LeaderInformation {
    if (this.sessionId === undefined) throw new Error('the resource manager leads under no session yet');
    return { address: this.address, leaderSessionId: this.sessionId };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
