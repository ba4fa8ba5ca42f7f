/**
 * A TCP proxy on 127.0.0.1 for tests that need a connection to misbehave at a chosen moment: `hold()` keeps
 * what clients send (nothing reaches the server), `cut()` closes every connection (what the client sees when a
 * server restarts), `release()` forwards again, held bytes first.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private held = false;
  private readonly pipes = new Set<{ client: Socket; server: Socket; pending: Buffer[] }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
    return proxy;
  }

  /** Connections open now. */
  get connections(): number {
    return this.pipes.size;
  }

  /** Whether bytes a client sent wait in the proxy. */
  get holding(): boolean {
    return [...this.pipes].some((p) => p.pending.length > 0);
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const p of this.pipes) for (const chunk of p.pending.splice(0)) p.server.write(chunk);
  }

  /** Closes every open connection, dropping what was held. */
  cut(): void {
    for (const p of [...this.pipes]) {
      p.pending.length = 0;
      p.client.destroy();
      p.server.destroy();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    const server = connect(port, host);
    const pipe = { client, server, pending: [] as Buffer[] };
    this.pipes.add(pipe);
    const end = (): void => {
      this.pipes.delete(pipe);
      client.destroy();
      server.destroy();
    };
    client.on('data', (chunk: Buffer) => (this.held ? pipe.pending.push(chunk) : server.write(chunk)));
    server.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  }
}
