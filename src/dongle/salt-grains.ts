/** The grains of a simulated AutoPi dongle (a Raspberry Pi CM4 running Raspbian 11 and Salt 3007). */
import { seedOf } from './salt-boot-time.js';
import type { DongleFacts } from './dongle-facts.js';

/** The Salt release the simulated minion reports (`test.version`, `saltversion`). */
export const SIMULATED_SALT_VERSION = '3007.13';

/** The dongle's host name: AutoPi names a unit after the end of its unit id. */
export function dongleHostname(facts: DongleFacts): string {
  return `autopi-${facts.unitId.replace(/-/g, '').toLowerCase().slice(-12)}`;
}

/** The full grains dict that `grains.items` returns, derived only from the facts. */
export function saltGrains(facts: DongleFacts): Record<string, unknown> {
  const host = dongleHostname(facts);
  const seed = seedOf(facts.unitId);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const machineId = [seed, seedOf(`${facts.unitId}/1`), seedOf(`${facts.unitId}/2`), seedOf(`${facts.unitId}/3`)].map(hex).join('');
  const wlanMac = facts.mac.toLowerCase();
  const ethMac = nextMac(wlanMac);
  return {
    biosversion: null,
    cpu_flags: ['half', 'thumb', 'fastmult', 'vfp', 'edsp', 'neon', 'vfpv3', 'tls', 'vfpv4', 'idiva', 'idivt', 'vfpd32', 'lpae', 'evtstrm', 'crc32'],
    cpu_model: 'ARMv7 Processor rev 3 (v7l)',
    cpuarch: 'armv7l',
    cwd: '/',
    disks: ['mmcblk0'],
    domain: '',
    fqdn: host,
    fqdn_ip4: [facts.lanIp],
    fqdn_ip6: [],
    gid: 0,
    gpus: [],
    groupname: 'root',
    host,
    hwaddr_interfaces: { eth0: ethMac, lo: '00:00:00:00:00:00', wlan0: wlanMac },
    id: facts.unitId,
    init: 'systemd',
    ip4_interfaces: { eth0: [], lo: ['127.0.0.1'], wlan0: [facts.lanIp] },
    ip6_interfaces: { eth0: [], lo: ['::1'], wlan0: [] },
    ip_interfaces: { eth0: [], lo: ['127.0.0.1', '::1'], wlan0: [facts.lanIp] },
    ipv4: ['127.0.0.1', facts.lanIp],
    ipv6: ['::1'],
    kernel: 'Linux',
    kernelrelease: '6.1.21-v7l+',
    kernelversion: '#1642 SMP Mon Apr  3 17:22:30 BST 2023',
    locale_info: { defaultencoding: 'utf-8', defaultlanguage: 'en_GB', detectedencoding: 'utf-8', timezone: 'UTC' },
    localhost: host,
    lsb_distrib_codename: 'bullseye',
    lsb_distrib_description: 'Raspbian GNU/Linux 11 (bullseye)',
    lsb_distrib_id: 'Raspbian',
    lsb_distrib_release: '11',
    machine_id: machineId,
    mem_total: 3796,
    nodename: host,
    num_cpus: 4,
    num_gpus: 0,
    os: 'Raspbian',
    os_family: 'Debian',
    osarch: 'armhf',
    oscodename: 'bullseye',
    osfinger: 'Raspbian-11',
    osfullname: 'Raspbian',
    osmajorrelease: 11,
    osrelease: '11',
    osrelease_info: [11],
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    pid: 400 + (seed % 600),
    ps: 'ps -efHww',
    pythonexecutable: '/usr/bin/python3',
    pythonversion: [3, 9, 2, 'final', 0],
    saltpath: '/usr/local/lib/python3.9/dist-packages/salt',
    saltversion: SIMULATED_SALT_VERSION,
    saltversioninfo: SIMULATED_SALT_VERSION.split('.').map(Number),
    serialnumber: `10000000${hex(seed)}`,
    shell: '/bin/sh',
    swap_total: 99,
    systemd: { version: '247' },
    uid: 0,
    username: 'root',
    virtual: 'physical',
    zmqversion: '4.3.4',
    // AutoPi's own grains: the release the unit runs (`grains.get release:version`) and its hardware.
    release: { id: `${facts.firmware}/${hex(seed).slice(0, 6)}`, state: 'updated', version: facts.firmware },
    hw: { model: facts.model },
    device: { id: facts.deviceId, name: facts.name },
  };
}

// The Pi's Ethernet MAC sits next to its Wi-Fi MAC; enough realism for a simulated unit.
function nextMac(mac: string): string {
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  if (bytes.length !== 6 || bytes.some((b) => Number.isNaN(b))) return mac;
  bytes[5] = (bytes[5]! + 1) % 256;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
