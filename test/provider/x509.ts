/**
 * A self-signed X.509 certificate for the plugin's side of go-plugin's AutoMTLS, built with
 * node:crypto and a few lines of DER (no openssl, no package): ECDSA P-256, valid for
 * "localhost" (the name Terraform's client checks), usable for both TLS server and client auth.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let x = n; x > 0; x >>= 8) bytes.unshift(x & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
};

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let x = p >> 7; x > 0; x >>= 7) enc.unshift((x & 0x7f) | 0x80);
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInt(b: Buffer): Buffer {
  const v = Buffer.from(b);
  v[0] = v[0]! & 0x7f;
  if (v[0] === 0) v[0] = 1;
  return tlv(0x02, v);
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDhhmmssZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

export interface SelfSigned {
  certDer: Buffer;
  certPem: string;
  keyPem: string;
  key: KeyObject;
}

export function selfSignedCert(host = 'localhost', days = 365): SelfSigned {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(set(seq(oid('2.5.4.3'), utf8(host))), set(seq(oid('2.5.4.10'), utf8('Vintner test provider'))));
  const now = Date.now();
  const extensions = seq(
    seq(oid('2.5.29.17'), octets(seq(tlv(0x82, Buffer.from(host))))), // subjectAltName: dNSName
    seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))), // basicConstraints: CA (as go-plugin's own)
    seq(oid('2.5.29.15'), bool(true), octets(bits(Buffer.from([0x84]), 2))), // keyUsage: digitalSignature, keyCertSign
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))), // serverAuth, clientAuth
  );
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    positiveInt(randomBytes(16)),
    ECDSA_SHA256,
    name,
    seq(time(new Date(now - 60_000)), time(new Date(now + days * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certDer = seq(tbs, ECDSA_SHA256, bits(signature));
  const b64 = certDer.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return {
    certDer,
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    key: privateKey,
  };
}
