/** Wake-on-LAN magic packets. */

/** The MAC address is not six hex octets separated by `:` or `-`. */
export class InvalidMacAddressError extends Error {
  override name = 'InvalidMacAddressError';
}

const macPattern = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (either case) into its 6 bytes; throws InvalidMacAddressError otherwise. */
export function parseMac(mac: string): Buffer {
  // One separator throughout: a mix such as `aa:bb-cc…` is more likely a typo than a MAC.
  if (!macPattern.test(mac)) throw new InvalidMacAddressError(`Not a MAC address: ${JSON.stringify(mac)} (expected aa:bb:cc:dd:ee:ff).`);
  return Buffer.from(mac.replace(/[:-]/g, ''), 'hex');
}

/** Builds the 102-byte magic packet that wakes `mac`: 6 bytes 0xFF, then the MAC 16 times. */
export function buildMagicPacket(mac: string): Buffer {
  const address = parseMac(mac);
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => address)]);
}
