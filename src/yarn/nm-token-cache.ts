/** The NMTokens of this application attempt by NodeManager address, filled from register and allocate responses. */
import type { HadoopToken, NMToken } from './records.js';
import { nodeAddress } from './yarn-ids.js';

export class NMTokenCache {
  private readonly tokens = new Map<string, HadoopToken>();

  /** The current token for `host:port`, if the ResourceManager sent one. */
  get(node: string): HadoopToken | undefined {
    return this.tokens.get(node);
  }

  set(node: string, token: HadoopToken): void {
    this.tokens.set(node, token);
  }

  /** Takes the tokens of a response; a node's newer token replaces the older (the RM rolls its keys). */
  update(nmTokens: readonly NMToken[]): void {
    for (const t of nmTokens) if (t.token) this.tokens.set(nodeAddress(t.nodeId), t.token);
  }

  get nodes(): string[] {
    return [...this.tokens.keys()];
  }
}
