import { describe, expect, it } from 'vitest';
import { checkDestination, guardedLookup, isBlockedAddress } from '../../src/callbacks/destination-guard.js';
import { SecretBox } from '../../src/callbacks/secret-box.js';

const strict = { allowPrivate: false, allowHosts: new Set<string>() };

describe('destination guard', () => {
  it('blocks loopback, private, link-local, metadata, reserved and mapped addresses', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::10.0.0.1', 'not-an-ip']) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isBlockedAddress(ip), ip).toBe(false);
  });

  it('checks what a host name resolves to, and lets configuration allow hosts', async () => {
    const resolve = async (host: string) => (host === 'rebind.example' ? ['93.184.216.34', '10.0.0.7'] : ['93.184.216.34']);
    await expect(checkDestination('https://public.example/hook', strict, resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('https://rebind.example/hook', strict, resolve)).rejects.toThrow('callback host "rebind.example" resolves to 10.0.0.7');
    await expect(checkDestination('http://[::1]:8080/x', { allowPrivate: false, allowHosts: new Set(['::1']) }, resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('http://10.0.0.1/x', { allowPrivate: true, allowHosts: new Set() }, resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('file:///etc/passwd', strict, resolve)).rejects.toThrow('callback url must be http or https');
    await expect(checkDestination('http://user:pw@public.example/', strict, resolve)).rejects.toThrow('must not carry credentials');
  });

  it('refuses a blocked address again at connect time (DNS rebinding)', async () => {
    const lookup = guardedLookup(strict);
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: false }, (err) => resolve(err)));
    expect(error?.message).toMatch(/^localhost resolved to .*, a blocked address$/);
    const allowed = guardedLookup({ allowPrivate: false, allowHosts: new Set(['localhost']) });
    const address = await new Promise<string>((resolve, reject) => allowed('localhost', { all: false }, (err, a) => (err ? reject(err) : resolve(a as string))));
    expect(['127.0.0.1', '::1']).toContain(address);
  });
});

describe('secret box', () => {
  it('round-trips, and refuses tampered or foreign ciphertexts', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.seal('sharedSecret ✓');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('sharedSecret');
    expect(box.open(sealed)).toBe('sharedSecret ✓');
    expect(box.seal('same')).not.toBe(box.seal('same'));
    // Flip one bit of the last ciphertext byte (editing the Base64 text could land on bits the decoder ignores).
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow();
  });
});
