import { describe, expect, it } from 'vitest';
import { InvalidMacAddressError, buildMagicPacket, parseMac } from '../../src/devices/magic-packet.js';

describe('buildMagicPacket', () => {
  it('is 6 bytes 0xFF then the MAC 16 times: 102 bytes', () => {
    const packet = buildMagicPacket('00:11:22:33:44:55');
    expect(packet.length).toBe(102);
    expect([...packet.subarray(0, 6)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    for (let i = 0; i < 16; i++) {
      expect([...packet.subarray(6 + i * 6, 12 + i * 6)], `repetition ${i + 1}`).toEqual([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    }
    expect(packet.toString('hex')).toBe('ff'.repeat(6) + '001122334455'.repeat(16));
  });

  it('accepts dashes and either case, with the same bytes', () => {
    const expected = buildMagicPacket('aa:bb:cc:dd:ee:0f');
    expect(buildMagicPacket('AA-BB-CC-DD-EE-0F').equals(expected)).toBe(true);
    expect(buildMagicPacket('aA:Bb:cc:DD:ee:0F').equals(expected)).toBe(true);
  });

  it.each([
    ['too short', 'aa:bb:cc:dd:ee'],
    ['too long', 'aa:bb:cc:dd:ee:ff:00'],
    ['not hex', 'gg:bb:cc:dd:ee:ff'],
    ['mixed separators', 'aa:bb-cc:dd:ee:ff'],
    ['no separators', 'aabbccddeeff'],
    ['one-digit octet', 'a:bb:cc:dd:ee:ff'],
    ['empty', ''],
    ['surrounding space', ' aa:bb:cc:dd:ee:ff'],
  ])('rejects a MAC that is %s', (_, mac) => {
    expect(() => buildMagicPacket(mac)).toThrow(InvalidMacAddressError);
  });

  it('parseMac returns the six octets', () => {
    expect([...parseMac('0c:8d:db:00:01:02')]).toEqual([0x0c, 0x8d, 0xdb, 0x00, 0x01, 0x02]);
  });
});
