/**
 * The keys a cluster start logs in with, in the order they are offered: the -i files of env.ssh.opts, else the
 * default key files ~/.ssh/id_ed25519, id_rsa and id_ecdsa; then ssh-agent's keys (SSH_AUTH_SOCK). No password
 * or passphrase is ever asked for: there is no terminal to ask on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { SshOptionsError } from './errors.js';
import type { SshOptions } from './ssh-options.js';

export interface SshIdentity {
  readonly file: string;
  readonly key: ParsedKey;
}

export interface SshIdentities {
  readonly keys: readonly SshIdentity[];
  /** The ssh-agent socket, when there is one to use. */
  readonly agent: string | undefined;
  /** The key files that were looked for, for the message when a host accepts none of them. */
  readonly tried: readonly string[];
}

export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_rsa', 'id_ecdsa'];

function parse(file: string): ParsedKey | Error {
  let parsed: ParsedKey | ParsedKey[] | Error;
  try {
    parsed = ssh2.utils.parseKey(readFileSync(file));
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) return new Error('no key in the file');
  if (!key.isPrivateKey()) return new Error('it holds a public key, not a private one');
  return key;
}

/**
 * Loads the identities once for every host. An -i file that is missing or unusable is a setup mistake and stops
 * the start with one line; default key files that cannot be used are skipped, as ssh does.
 */
export function loadIdentities(options: SshOptions, source: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): SshIdentities {
  const agentSocket = env['SSH_AUTH_SOCK'];
  const agent = !options.identitiesOnly && agentSocket !== undefined && agentSocket !== '' ? agentSocket : undefined;
  const keys: SshIdentity[] = [];
  if (options.identityFiles.length > 0) {
    for (const file of options.identityFiles) {
      if (!existsSync(file)) throw new SshOptionsError(`${source}: the identity file ${file} does not exist.`);
      const key = parse(file);
      if (key instanceof Error) {
        // A key with a passphrase may well be loaded into the agent, which then signs for it.
        if (/encrypted|passphrase/i.test(key.message) && agent !== undefined) continue;
        const hint = /encrypted|passphrase/i.test(key.message)
          ? 'it is protected by a passphrase, which a cluster start cannot ask for: load it into ssh-agent (ssh-add) and keep SSH_AUTH_SOCK set, or use a key without passphrase'
          : `it cannot be read as a private key (${key.message})`;
        throw new SshOptionsError(`${source}: the identity file ${file} cannot be used: ${hint}.`);
      }
      keys.push({ file, key });
    }
    return { keys, agent, tried: options.identityFiles };
  }
  const tried = DEFAULT_IDENTITY_FILES.map((name) => join(home, '.ssh', name));
  for (const file of tried) {
    if (!existsSync(file)) continue;
    const key = parse(file);
    if (!(key instanceof Error)) keys.push({ file, key });
  }
  return { keys, agent, tried };
}
