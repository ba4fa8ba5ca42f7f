/**
 * The client side of SASL DIGEST-MD5 (RFC 2831), as Hadoop uses it for token authentication: user name and password
 * are the token's identifier and password in base64, quality of protection `auth` only (no integrity or privacy
 * layer follows, which is Hadoop's default `hadoop.rpc.protection=authentication`).
 *
 * Written here rather than taken from npm: the one package for it (`sasl-digest-md5`, with `saslmechanisms`) is a
 * single 0.1.0 release from 2012 code, untyped, with no maintenance since; the computation is a few MD5s, and
 * owning it lets this client check the server's `rspauth` (proof the server knows the token's password too) and
 * give errors that name what the server offered. The unit test checks the response against a vector computed by the
 * JDK's own DIGEST-MD5 client (javax.security.sasl), the implementation Hadoop's Java clients use.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface DigestMd5Init {
  username: string;
  password: string;
  /** SASL protocol and server id from the server's NEGOTIATE; digest-uri is `<protocol>/<serverId>`. */
  protocol: string;
  serverId: string;
  /** Fixed client nonce, for tests; random otherwise. */
  cnonce?: string;
}

/** The server's challenge broke the rules (no nonce, no `auth` qop, a bad rspauth). */
export class DigestMd5Error extends Error {
  override name = 'DigestMd5Error';
}

/** Parses `key=value` and `key="quoted, value"` pairs separated by commas (RFC 2831 §7.1). */
export function parseDigestDirectives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(text[i] as string)) i++;
    if (i >= n) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new DigestMd5Error(`malformed directive near "${text.slice(i, i + 20)}"`);
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i];
        i++;
      }
      if (i >= n) throw new DigestMd5Error(`unterminated quoted value of ${key}`);
      i++; // closing quote
    } else {
      const end = text.indexOf(',', i);
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? n : end;
    }
    // RFC 2831 lets qop, cipher and realm repeat; keep them comma-joined.
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

function md5(...parts: (string | Buffer)[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return h.digest();
}

export interface DigestParams {
  username: string;
  realm: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  digestUri: string;
  authzid?: string;
}

function ha1(p: DigestParams): string {
  // md5-sess: the raw MD5 of user:realm:password, then ":nonce:cnonce" (and ":authzid" when one is sent).
  const inner = md5(`${p.username}:${p.realm}:${p.password}`);
  const a1 = p.authzid ? md5(inner, `:${p.nonce}:${p.cnonce}:${p.authzid}`) : md5(inner, `:${p.nonce}:${p.cnonce}`);
  return a1.toString('hex');
}

/** The `response=` value the client sends. */
export function digestResponse(p: DigestParams): string {
  const ha2 = md5(`AUTHENTICATE:${p.digestUri}`).toString('hex');
  return md5(`${ha1(p)}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`).toString('hex');
}

/** The `rspauth=` value a server that knows the password sends back on success. */
export function digestRspAuth(p: DigestParams): string {
  const ha2 = md5(`:${p.digestUri}`).toString('hex');
  return md5(`${ha1(p)}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`).toString('hex');
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** One DIGEST-MD5 exchange: answer the server's challenge, then check its final rspauth. */
export class DigestMd5Client {
  private params: DigestParams | undefined;

  constructor(private readonly init: DigestMd5Init) {}

  /** The response to the server's digest-challenge. */
  respond(challenge: Uint8Array): Buffer {
    const d = parseDigestDirectives(Buffer.from(challenge).toString('utf8'));
    const nonce = d.get('nonce');
    if (nonce === undefined) throw new DigestMd5Error('the challenge has no nonce');
    const algorithm = d.get('algorithm');
    if (algorithm !== 'md5-sess') throw new DigestMd5Error(`the challenge asks for algorithm ${algorithm ?? '(none)'}, not md5-sess`);
    const qops = (d.get('qop') ?? 'auth').split(',').map((q) => q.trim());
    if (!qops.includes('auth')) {
      throw new DigestMd5Error(`the server only offers qop ${qops.join(', ')}; this client supports "auth" (hadoop.rpc.protection=authentication)`);
    }
    // Hadoop offers one realm ("default"); with several the first is as good as any for a token.
    const realm = (d.get('realm') ?? '').split(',')[0] ?? '';
    const utf8 = d.get('charset')?.toLowerCase() === 'utf-8';
    this.params = {
      username: this.init.username,
      realm,
      password: this.init.password,
      nonce,
      cnonce: this.init.cnonce ?? randomBytes(24).toString('base64'),
      nc: '00000001',
      qop: 'auth',
      digestUri: `${this.init.protocol}/${this.init.serverId}`,
    };
    const p = this.params;
    const fields = [
      ...(utf8 ? ['charset=utf-8'] : []),
      `username=${quote(p.username)}`,
      `realm=${quote(p.realm)}`,
      `nonce=${quote(p.nonce)}`,
      `nc=${p.nc}`,
      `cnonce=${quote(p.cnonce)}`,
      `digest-uri=${quote(p.digestUri)}`,
      // our receive buffer, not an echo of the server's (which Hadoop does not send)
      'maxbuf=65536',
      `response=${digestResponse(p)}`,
      `qop=${p.qop}`,
    ];
    return Buffer.from(fields.join(','), 'utf8');
  }

  /** Checks the server's final message (`rspauth=...`); throws when it does not prove the server knows the password. */
  verifyFinal(message: Uint8Array): void {
    if (!this.params) throw new DigestMd5Error('the server finished before it sent a challenge');
    const rspauth = parseDigestDirectives(Buffer.from(message).toString('utf8')).get('rspauth');
    if (rspauth === undefined) throw new DigestMd5Error('the server finished without rspauth');
    if (rspauth !== digestRspAuth(this.params)) throw new DigestMd5Error('the server\'s rspauth does not match: it does not know this token\'s password');
  }
}
