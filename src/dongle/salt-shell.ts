/** The few shell commands a simulated dongle answers for `cmd.run`, as `/bin/sh -c` on Raspbian would. */
import { bootTimeOf, seedOf } from './salt-boot-time.js';
import type { DongleFacts } from './dongle-facts.js';
import { dongleHostname } from './salt-grains.js';

/** What the shell printed (stdout and stderr together, as `cmd.run` merges them) and its exit status. */
export interface ShellResult {
  output: string;
  retcode: number;
}

const OS_RELEASE = [
  'PRETTY_NAME="Raspbian GNU/Linux 11 (bullseye)"',
  'NAME="Raspbian GNU/Linux"',
  'VERSION_ID="11"',
  'VERSION="11 (bullseye)"',
  'VERSION_CODENAME=bullseye',
  'ID=raspbian',
  'ID_LIKE=debian',
  'HOME_URL="http://www.raspbian.org/"',
  'SUPPORT_URL="http://www.raspbian.org/RaspbianForums"',
  'BUG_REPORT_URL="http://www.raspbian.org/RaspbianBugs"',
].join('\n');

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The commands `runShellCommand` knows, as typed (whitespace between words does not matter). */
export const knownShellCommands = [
  'uname',
  'uname -a',
  'uname -r',
  'uname -m',
  'hostname',
  'whoami',
  'date',
  'uptime',
  'cat /etc/os-release',
  'cat /etc/hostname',
  'cat /proc/uptime',
];

/** Runs `command` on the simulated dongle at `now`; anything unknown fails as a real shell would. */
export function runShellCommand(command: string, facts: DongleFacts, now: Date): ShellResult {
  const words = command.trim().split(/\s+/).filter(Boolean);
  const host = dongleHostname(facts);
  const upSeconds = (now.getTime() - bootTimeOf(facts.unitId, now).getTime()) / 1000;
  const table: Record<string, () => string> = {
    uname: () => 'Linux',
    'uname -a': () => `Linux ${host} 6.1.21-v7l+ #1642 SMP Mon Apr  3 17:22:30 BST 2023 armv7l GNU/Linux`,
    'uname -r': () => '6.1.21-v7l+',
    'uname -m': () => 'armv7l',
    hostname: () => host,
    whoami: () => 'root',
    date: () => dateCommand(now),
    uptime: () => uptimeCommand(now, upSeconds, seedOf(facts.unitId)),
    'cat /etc/os-release': () => OS_RELEASE,
    'cat /etc/hostname': () => host,
    'cat /proc/uptime': () => `${upSeconds.toFixed(2)} ${(upSeconds * 3.7).toFixed(2)}`,
  };
  if (words.length === 0) return { output: '', retcode: 0 };
  const answer = table[words.join(' ')];
  if (answer) return { output: answer(), retcode: 0 };

  const [bin, arg] = words as [string, string | undefined];
  if (bin === 'cat' && arg && !arg.startsWith('-')) return { output: `cat: ${arg}: No such file or directory`, retcode: 1 };
  if (knownShellCommands.some((c) => c.split(' ')[0] === bin) && arg !== undefined) {
    const complaint = arg.startsWith('--')
      ? `${bin}: unrecognized option '${arg}'`
      : arg.startsWith('-')
        ? `${bin}: invalid option -- '${arg[1] ?? ''}'`
        : `${bin}: extra operand '${arg}'`;
    return { output: `${complaint}\nTry '${bin} --help' for more information.`, retcode: 1 };
  }
  // dash, Raspbian's /bin/sh, reports a missing program with the script line number.
  return { output: `/bin/sh: 1: ${bin}: not found`, retcode: 127 };
}

// `date` in the C locale: `Wed May  1 12:00:00 UTC 2024`.
function dateCommand(now: Date): string {
  const day = String(now.getUTCDate()).padStart(2, ' ');
  return `${DAYS[now.getUTCDay()]} ${MONTHS[now.getUTCMonth()]} ${day} ${clock(now)} UTC ${now.getUTCFullYear()}`;
}

// procps `uptime`: ` 12:00:00 up 42 min,  0 users,  load average: 0.31, 0.27, 0.22`.
function uptimeCommand(now: Date, upSeconds: number, seed: number): string {
  const minutes = Math.floor(upSeconds / 60);
  const up = minutes < 60 ? `${minutes} min` : `${String(Math.floor(minutes / 60)).padStart(2, ' ')}:${String(minutes % 60).padStart(2, '0')}`;
  const wave = (k: number) => (0.25 + 0.2 * Math.abs(Math.sin(upSeconds / (300 * k) + (seed % 7)))).toFixed(2);
  return ` ${clock(now)} up ${up},  0 users,  load average: ${wave(1)}, ${wave(5)}, ${wave(15)}`;
}

function clock(now: Date): string {
  return now.toISOString().slice(11, 19);
}
