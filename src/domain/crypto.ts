/**
 * Secrets at rest: AES-256-GCM with the key from VINTNER_SECRET_KEY. The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url parts), so a future key rotation can add `v2`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
  sealBytes(plain: Buffer): Buffer;
  openBytes(sealed: Buffer): Buffer;
}

export class DecryptError extends Error {
  override name = 'DecryptError';
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  const sealBytes = (plain: Buffer): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
  };
  const openBytes = (sealed: Buffer): Buffer => {
    if (sealed.length < 29 || sealed[0] !== 1) throw new DecryptError('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(13, 29));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
    } catch {
      throw new DecryptError('a stored secret could not be decrypted: VINTNER_SECRET_KEY differs from the key it was sealed with');
    }
  };
  return {
    sealBytes,
    openBytes,
    seal: (plain) => {
      const b = sealBytes(Buffer.from(plain, 'utf8'));
      return `v1.${b.subarray(1, 13).toString('base64url')}.${b.subarray(13, 29).toString('base64url')}.${b.subarray(29).toString('base64url')}`;
    },
    open: (sealed) => {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== 'v1') throw new DecryptError('not a sealed value');
      const [, iv, tag, body] = parts as [string, string, string, string];
      return openBytes(Buffer.concat([Buffer.from([1]), Buffer.from(iv, 'base64url'), Buffer.from(tag, 'base64url'), Buffer.from(body, 'base64url')])).toString('utf8');
    },
  };
}
