/** AES-256-GCM encryption for secrets kept after the request (shared secrets, dongle callers' tokens). */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

const VERSION = 'v1';

/** Seals and opens secrets with one 256-bit key. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  /** Encrypts `plain`; the output is `v1:` + Base64 of IV (12 bytes), tag (16 bytes) and ciphertext. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  /** Decrypts what `seal` produced; throws if it was tampered with or sealed with another key. */
  open(sealed: string): string {
    const [version, payload] = sealed.split(':');
    if (version !== VERSION || !payload) throw new Error('unknown secret format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/**
 * The key: SHA-256 of SECRET_KEY when set; otherwise a random key kept in DATA_DIR/secret.key (created on first start),
 * or an ephemeral one for an in-memory database (whose secrets die with it anyway).
 */
export function loadSecretBox(config: Pick<Config, 'secretKey' | 'dataDir' | 'databaseUrl'>, logger: Logger): SecretBox {
  if (config.secretKey) return new SecretBox(createHash('sha256').update(config.secretKey, 'utf8').digest());
  if (config.dataDir.startsWith('memory://')) return new SecretBox(randomBytes(32));
  const file = join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    if (config.databaseUrl) {
      // Several processes sharing one database must share the key too, or they cannot read each other's secrets.
      logger.warn({ file }, 'SECRET_KEY is not set: generated a key file; set SECRET_KEY on every process that shares this database');
    }
  }
  return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
}
