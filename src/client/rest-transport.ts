/**
 * How the client's HTTP requests reach the REST endpoint: Node's fetch for plain HTTP; for HTTPS with our own
 * CA, client certificate and host-name policy (`security.ssl.rest.*`), which Node's fetch cannot take, a small
 * fetch-shaped function over node:https. node:https also reports why a TLS connection failed (an unknown CA, a
 * missing client certificate), where fetch only sees a closed socket.
 */
import { Agent, request, type AgentOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { RestSslClientOptions } from '../config/index.js';

export type FetchFunction = (url: string | URL, init: RequestInit) => Promise<Response>;

export function restFetch(tls: RestSslClientOptions | undefined): FetchFunction {
  if (!tls) return (url, init) => fetch(url, init);
  const options: AgentOptions = {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    rejectUnauthorized: true,
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
  const agent = new Agent(options);
  return async (url, init) => {
    const target = new URL(url);
    try {
      return await httpsFetch(target, init, agent);
    } catch (err) {
      throw (await diagnoseReset(err, target, options)) ?? err;
    }
  };
}

/** Our code for a server that ends a TLS connection right after the handshake, before any request. */
const CLOSED_AFTER_HANDSHAKE = 'FLINK_TLS_CLOSED_AFTER_HANDSHAKE';

/**
 * With TLS 1.3 the server checks the client certificate after the client considers the handshake done, so a
 * refused certificate shows as a reset connection (the request was on its way when the server closed). A second
 * connection that sends nothing tells the reasons apart: the server's alert (no certificate), or a close right
 * after the handshake (a certificate it does not trust; Node's server sends no alert then). A healthy endpoint
 * keeps an idle connection open far longer than the probe waits.
 */
async function diagnoseReset(err: unknown, url: URL, options: AgentOptions): Promise<Error | undefined> {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ ...options, host, port: Number(url.port || 443), ...(isIP(host) === 0 ? { servername: host } : {}) });
    let handshakeDone = false;
    const timer = setTimeout(() => finish(undefined), 2_000);
    const finish = (found: Error | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      if (found) (found as Error & { cause?: unknown }).cause ??= err;
      resolve(found);
    };
    socket.once('secureConnect', () => {
      handshakeDone = true;
      socket.resume();
    });
    socket.once('error', (e) => finish(describeTlsFailure(e) ? e : undefined));
    socket.once('close', () => {
      if (!handshakeDone) return finish(undefined);
      const closed = new Error('The JobManager closed the TLS connection right after the handshake.') as Error & { code: string };
      closed.code = CLOSED_AFTER_HANDSHAKE;
      finish(closed);
    });
  });
}

/** Statuses whose Response must not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

async function httpsFetch(url: URL, init: RequestInit, agent: Agent): Promise<Response> {
  // `-m http://host:port` asks for plain HTTP even when the configuration has TLS on.
  if (url.protocol !== 'https:') return fetch(url, init);
  // The Fetch API serializes the body (a FormData becomes multipart with its boundary) and normalizes headers.
  const req = new Request(url, init);
  const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
  const headers: Record<string, string> = Object.fromEntries(req.headers);
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const r = request(url, { method: req.method, headers, agent, ...(init.signal ? { signal: init.signal } : {}) }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const responseHeaders = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
      }
      if (NULL_BODY.has(status)) res.resume();
      const stream = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(stream as unknown as ConstructorParameters<typeof Response>[0], { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** TLS failures, by the code Node or OpenSSL puts on the error, in words that name the setting to fix. */
const TLS_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED)$/,
    "the JobManager's certificate is not signed by a CA this client trusts; set security.ssl.rest.truststore to a PEM file with that CA",
  ],
  [
    /^ERR_TLS_CERT_ALTNAME_INVALID$/,
    "the JobManager's certificate does not name the host connected to; connect by a name in the certificate, or set security.ssl.verify-hostname: false",
  ],
  [/^CERT_HAS_EXPIRED$/, "the JobManager's certificate has expired"],
  [/^ERR_SSL_WRONG_VERSION_NUMBER$/, 'the endpoint does not speak TLS; is security.ssl.rest.enabled set on the JobManager as well?'],
  [
    new RegExp(`^ERR_SSL_.*(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN)$|^${CLOSED_AFTER_HANDSHAKE}$`),
    "the JobManager refused this client's certificate (or its absence); with security.ssl.rest.authentication-enabled, " +
      "security.ssl.rest.keystore must hold a certificate signed by a CA in the JobManager's truststore",
  ],
];

/** A sentence for a TLS failure somewhere in `err`'s cause chain, or undefined when it is not one. */
export function describeTlsFailure(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    for (const [pattern, reason] of TLS_REASONS) if (pattern.test(code)) return reason;
  }
  return describeTlsFailure((err as { cause?: unknown }).cause, depth + 1);
}
