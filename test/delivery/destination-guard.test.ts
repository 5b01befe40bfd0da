import { describe, expect, it } from 'vitest';
import { addressRefusal, checkDestination, connectRefusal, guardedLookup, isBlockedAddress } from '../../src/callbacks/destination-guard.js';
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

  it('refuses IPv6 forms that carry a refused IPv4 address, and the ones nothing can be judged by', async () => {
    const refused: [string, string][] = [
      // IPv4-compatible (RFC 4291, deprecated), written dotted and in hex.
      ['::127.0.0.1', 'an IPv4-compatible address of 127.0.0.1 (::/96, deprecated)'],
      ['::7f00:1', 'an IPv4-compatible address of 127.0.0.1 (::/96, deprecated)'],
      ['::8.8.8.8', 'an IPv4-compatible address of 8.8.8.8 (::/96, deprecated)'],
      ['::ffff:0:7f00:1', 'an IPv4-translated address of 127.0.0.1 (::ffff:0:0:0/96, only meaningful inside a translator)'],
      ['::ffff:169.254.169.254', 'an IPv4-mapped address of 169.254.169.254, a link-local address (cloud metadata services live there)'],
      ['64:ff9b::127.0.0.1', 'a NAT64 address of 127.0.0.1, a loopback address'],
      ['64:ff9b::a9fe:a9fe', 'a NAT64 address of 169.254.169.254, a link-local address (cloud metadata services live there)'],
      ['64:ff9b::a00:1', 'a NAT64 address of 10.0.0.1, a private address'],
      ['64:ff9b:1::7f00:1', 'a local-use NAT64 address (64:ff9b:1::/48, not globally routable)'],
      ['64:ff9b:1::808:808', 'a local-use NAT64 address (64:ff9b:1::/48, not globally routable)'],
      ['2002:7f00:1::', 'a 6to4 address of 127.0.0.1, a loopback address'],
      ['2002:c0a8:101::1', 'a 6to4 address of 192.168.1.1, a private address'],
      ['2001:0::1', 'a Teredo address (2001::/32)'],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'a Teredo address (2001::/32)'],
      ['2001:db8::1', 'a reserved or documentation address'],
      ['fec0::1', 'a site-local address (fec0::/10, private)'],
      ['100::1', 'a special-purpose address (discard)'],
      ['4000::1', 'outside the global unicast space 2000::/3'],
      ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
      ['198.18.0.1', 'a reserved or documentation address'],
      ['255.255.255.255', 'the broadcast address'],
    ];
    for (const [ip, why] of refused) expect(addressRefusal(ip), ip).toBe(why);
    // The same forms given as URLs, the way a client sends them (the URL parser rewrites each to its canonical text).
    for (const host of ['[::127.0.0.1]', '[::ffff:0:7f00:1]', '[64:ff9b::127.0.0.1]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b:1::7f00:1]', '[2002:7f00:1::]', '[2001:0::1]']) {
      await expect(checkDestination(`http://${host}:8080/hook`, strict), host).rejects.toThrow(/^callback host ".+" is .+; allow it with CALLBACK_ALLOW_HOSTS or CALLBACK_ALLOW_PRIVATE$/);
    }
    await expect(checkDestination('http://[64:ff9b::127.0.0.1]/', strict)).rejects.toThrow('callback host "64:ff9b::7f00:1" is a NAT64 address of 127.0.0.1, a loopback address');
    // Embedding forms of a public IPv4 address stay usable.
    for (const ip of ['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2a00:1450:4001::1']) expect(addressRefusal(ip), ip).toBeUndefined();
    await expect(checkDestination('http://[64:ff9b::8.8.8.8]/hook', strict)).resolves.toBeInstanceOf(URL);
  });

  it('lets configuration allow any of these, and matches allowed IP literals in any spelling', async () => {
    await expect(checkDestination('http://[64:ff9b::127.0.0.1]/', { allowPrivate: true, allowHosts: new Set() })).resolves.toBeInstanceOf(URL);
    await expect(checkDestination('http://[0:0:0:0:0:0:0:1]:9/x', { allowPrivate: false, allowHosts: new Set(['::1']) })).resolves.toBeInstanceOf(URL);
    // An allowed 127.0.0.1 does not allow the same address in another form: each literal is allowed as written.
    await expect(checkDestination('http://[::ffff:127.0.0.1]/', { allowPrivate: false, allowHosts: new Set(['127.0.0.1']) })).rejects.toThrow('an IPv4-mapped address of 127.0.0.1');
    expect(connectRefusal('127.0.0.1', '127.0.0.1', strict)?.message).toBe('127.0.0.1 is a loopback address');
    expect(connectRefusal('127.0.0.1', '127.0.0.1', { allowPrivate: false, allowHosts: new Set(['127.0.0.1']) })).toBeUndefined();
    expect(connectRefusal('hooks.example', '::ffff:10.1.2.3', strict)?.message).toBe(
      'hooks.example resolved to ::ffff:10.1.2.3 (an IPv4-mapped address of 10.1.2.3, a private address), a blocked address',
    );
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
