/**
 * SASL DIGEST-MD5 as Hadoop uses it for tokens. The vector is one exchange between the JDK's own DIGEST-MD5
 * SaslClient and SaslServer (javax.security.sasl, what Hadoop's Java clients and servers use), set up as Hadoop does
 * for a token: protocol "", server id "default", qop auth, user name and password the token's identifier and
 * password in base64. Regenerate with:
 *   java test/unit/yarn/fixtures/DigestMd5Vector.java "$(printf 'AMRM-identifier\x01\x02' | base64)" "$(printf 'secret-password' | base64)"
 * Our client, given the same challenge and the JDK client's cnonce, must answer with the very same bytes, and accept
 * the JDK server's rspauth.
 */
import assert from 'node:assert/strict';
import { DigestMd5Client, DigestMd5Error, parseDigestDirectives } from '../../../src/yarn/ipc/digest-md5.js';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const JDK = {
  challenge: b64(
    'cmVhbG09ImRlZmF1bHQiLG5vbmNlPSI1TDErazZGNHdJOU5VVnJlRms0d3VITXU5U3lVZk55RlVUWENwRjhtIixxb3A9ImF1dGgiLGNoYXJzZXQ9dXRmLTgsYWxnb3JpdGhtPW1kNS1zZXNz',
  ),
  response: b64(
    'Y2hhcnNldD11dGYtOCx1c2VybmFtZT0iUVUxU1RTMXBaR1Z1ZEdsbWFXVnlBUUk9IixyZWFsbT0iZGVmYXVsdCIsbm9uY2U9IjVMMStrNkY0d0k5TlVWcmVGazR3dUhNdTlTeVVmTnlGVVRYQ3BGOG0iLG5jPTAwMDAwMDAxLGNub25jZT0iWHZkR2hnWndReDdGalMvTmVNbm92S014Wmh5TlBJTEhRcXBHcTNtbiIsZGlnZXN0LXVyaT0iL2RlZmF1bHQiLG1heGJ1Zj02NTUzNixyZXNwb25zZT02ZmNkOTEwNWM4ZTE0OTU5MWQ3MTU5YTI1MTdmYzJkNyxxb3A9YXV0aA==',
  ),
  rspauth: b64('cnNwYXV0aD1mOTc2MWVlOTRjZjJmOGM2MjBlMmFmNGMzM2E2YzgzMA=='),
};
const USER = Buffer.from('AMRM-identifier\x01\x02', 'latin1').toString('base64');
const PASSWORD = Buffer.from('secret-password').toString('base64');

function client(cnonce?: string, password = PASSWORD): DigestMd5Client {
  return new DigestMd5Client({ username: USER, password, protocol: '', serverId: 'default', ...(cnonce ? { cnonce } : {}) });
}

describe('SASL DIGEST-MD5 client', () => {
  it("answers the JDK server's challenge with exactly the JDK client's response, and accepts its rspauth", () => {
    const cnonce = parseDigestDirectives(JDK.response.toString()).get('cnonce') ?? '';
    const c = client(cnonce);
    assert.equal(c.respond(JDK.challenge).toString(), JDK.response.toString());
    c.verifyFinal(JDK.rspauth);
  });

  it('answers with the response digest of RFC 2831 (md5-sess, qop auth, digest-uri /default)', () => {
    const response = parseDigestDirectives(JDK.response.toString());
    assert.equal(response.get('response'), '6fcd9105c8e149591d7159a2517fc2d7');
    assert.equal(response.get('digest-uri'), '/default');
    assert.equal(response.get('username'), USER);
  });

  it('rejects an rspauth that does not prove the server knows the password', () => {
    const cnonce = parseDigestDirectives(JDK.response.toString()).get('cnonce') ?? '';
    const c = client(cnonce, Buffer.from('another password').toString('base64'));
    c.respond(JDK.challenge);
    assert.throws(() => c.verifyFinal(JDK.rspauth), DigestMd5Error);
  });

  it('uses a fresh client nonce each time it is not given one', () => {
    const a = parseDigestDirectives(client().respond(JDK.challenge).toString()).get('cnonce');
    const b = parseDigestDirectives(client().respond(JDK.challenge).toString()).get('cnonce');
    assert.ok(a && b && a !== b);
  });

  it('refuses a challenge without nonce, with another algorithm, or without the auth quality of protection', () => {
    assert.throws(() => client().respond(Buffer.from('realm="default",qop="auth",algorithm=md5-sess')), /no nonce/);
    assert.throws(() => client().respond(Buffer.from('nonce="x",qop="auth",algorithm=md5')), /algorithm md5, not md5-sess/);
    assert.throws(() => client().respond(Buffer.from('nonce="x",qop="auth-conf",algorithm=md5-sess')), /only offers qop auth-conf/);
  });

  it('parses quoted values with commas and escapes, and repeated directives', () => {
    const d = parseDigestDirectives('realm="a,b",nonce="q\\"x",qop="auth",qop="auth-int", charset=utf-8');
    assert.equal(d.get('realm'), 'a,b');
    assert.equal(d.get('nonce'), 'q"x');
    assert.equal(d.get('qop'), 'auth,auth-int');
    assert.equal(d.get('charset'), 'utf-8');
  });
});
