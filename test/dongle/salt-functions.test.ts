import { describe, expect, it } from 'vitest';
import { bootTimeOf } from '../../src/dongle/salt-boot-time.js';
import { parseSaltCommandLine } from '../../src/dongle/salt-command-line.js';
import type { DongleFacts } from '../../src/dongle/dongle-facts.js';
import {
  runSaltFunction,
  type SaltReturn,
  supportedSaltFunctions,
  traverseDictAndList,
} from '../../src/dongle/salt-functions.js';

const facts: DongleFacts = {
  unitId: '3f2a9c1e-7b4d-4e8a-9c2f-0d1e2f3a4b5c',
  deviceId: '8d1c2b3a-0000-4000-8000-000000000101',
  name: 'Van 1',
  model: 'AutoPi TMU CM4',
  firmware: 'autopi-2024.05',
  mac: '0c:8d:db:00:01:01',
  lanIp: '10.0.2.101',
};
const now = new Date('2024-05-01T12:34:56.789Z');
const boot = bootTimeOf(facts.unitId, now);
/** `seconds` after the simulated dongle booted (so tests can pick a point of the drive cycle). */
const afterBoot = (seconds: number) => new Date(boot.getTime() + seconds * 1000);

/** Runs a command line on the simulated dongle. */
function run(line: string, at: Date = now): SaltReturn {
  const { fun, args, kwargs } = parseSaltCommandLine(line);
  return runSaltFunction(fun, args, kwargs, facts, at);
}

function ok(value: unknown): SaltReturn {
  return { return: value, retcode: 0, success: true };
}

function error(message: string): SaltReturn {
  return { return: message, retcode: 1, success: false };
}

describe('runSaltFunction: test module', () => {
  it('answers test.ping with true', () => {
    expect(run('test.ping')).toEqual(ok(true));
  });

  it('echoes the first argument as given, typed the way Salt typed it', () => {
    expect(run("test.echo 'hello world'")).toEqual(ok('hello world'));
    expect(run('test.echo 42')).toEqual(ok(42));
    expect(run("test.echo '42'")).toEqual(ok('42'));
    expect(run('test.echo text=hi')).toEqual(ok('hi'));
  });

  it('returns {args, kwargs} for test.arg', () => {
    expect(run("test.arg 1 two [3] name='x y' flag=false")).toEqual(ok({ args: [1, 'two', [3]], kwargs: { name: 'x y', flag: false } }));
    expect(run('test.arg')).toEqual(ok({ args: [], kwargs: {} }));
  });

  it('reports the Salt version', () => {
    expect(run('test.version')).toEqual(ok('3007.13'));
  });
});

describe('runSaltFunction: grains', () => {
  const grains = run('grains.items').return as Record<string, unknown>;

  it('returns a grains dict built from the facts', () => {
    expect(run('grains.items').retcode).toBe(0);
    expect(grains).toMatchObject({
      id: facts.unitId,
      host: 'autopi-0d1e2f3a4b5c',
      nodename: 'autopi-0d1e2f3a4b5c',
      kernel: 'Linux',
      kernelrelease: '6.1.21-v7l+',
      os: 'Raspbian',
      os_family: 'Debian',
      osrelease: '11',
      oscodename: 'bullseye',
      cpuarch: 'armv7l',
      saltversion: '3007.13',
      ipv4: ['127.0.0.1', '10.0.2.101'],
      hwaddr_interfaces: { eth0: '0c:8d:db:00:01:02', lo: '00:00:00:00:00:00', wlan0: '0c:8d:db:00:01:01' },
      release: { version: 'autopi-2024.05', state: 'updated' },
      hw: { model: 'AutoPi TMU CM4' },
      device: { id: facts.deviceId, name: 'Van 1' },
    });
    expect(grains.machine_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gets top-level and nested grains with a:b paths and list indexes', () => {
    expect(run('grains.get kernel')).toEqual(ok('Linux'));
    expect(run('grains.get release:version')).toEqual(ok('autopi-2024.05'));
    expect(run('grains.get hwaddr_interfaces:wlan0')).toEqual(ok('0c:8d:db:00:01:01'));
    expect(run('grains.get ipv4:1')).toEqual(ok('10.0.2.101'));
    expect(run('grains.get ipv4:-1')).toEqual(ok('10.0.2.101'));
    expect(run('grains.get release/version delimiter=/')).toEqual(ok('autopi-2024.05'));
    expect(run('grains.get release')).toEqual(ok(grains.release));
  });

  it("returns the default ('' unless given) for a missing grain", () => {
    expect(run('grains.get nope')).toEqual(ok(''));
    expect(run('grains.get release:nope')).toEqual(ok(''));
    expect(run('grains.get ipv4:7')).toEqual(ok(''));
    expect(run('grains.get nope fallback')).toEqual(ok('fallback'));
    expect(run('grains.get nope default=[1, 2]')).toEqual(ok([1, 2]));
  });

  it('searches the dicts inside a list for a non-numeric path step, as Salt does', () => {
    const data = { a: [{ b: 1 }, { c: { d: 2 } }], s: 'text' };
    expect(traverseDictAndList(data, 'a:c:d', 'none')).toBe(2);
    expect(traverseDictAndList(data, 'a:0:b', 'none')).toBe(1);
    expect(traverseDictAndList(data, 'a:x', 'none')).toBe('none');
    expect(traverseDictAndList(data, 's:0', 'none')).toBe('none');
  });
});

describe('runSaltFunction: power.status', () => {
  it('reports SPM state, battery and uptime in AutoPi shape', () => {
    const result = run('power.status', afterBoot(3723));
    expect(result.retcode).toBe(0);
    expect(result.return).toEqual({
      rpi: {
        uptime: {
          days: 0,
          seconds: 3723,
          since_iso: boot.toISOString().slice(0, 19),
          since_t: boot.getTime() / 1000,
          time: '1:2',
          users: 0,
        },
      },
      spm: {
        battery: expect.objectContaining({ state: 'charging', level: 100 }),
        current_state: 'on',
        last_state: { down: 'sleeping', up: 'booting' },
        last_trigger: { down: 'timer', up: 'volt_change' },
        sleep_interval: 21600,
        version: '3.2',
        volt_factor: 1,
        volt_triggers: {
          hibernate_level: { duration: 180, threshold: 12.2 },
          wake_change: { difference: 0.2, period: 1000 },
          wake_level: { duration: 3, threshold: 13.2 },
        },
      },
    });
  });

  it('shows a charging battery while the engine runs and a resting one before it starts', () => {
    const battery = (at: Date) => ((run('power.status', at).return as { spm: { battery: { voltage: number; state: string } } }).spm.battery);
    const running = battery(afterBoot(600));
    expect(running.voltage).toBeGreaterThanOrEqual(14);
    expect(running.voltage).toBeLessThanOrEqual(14.2);
    expect(running.state).toBe('charging');
    const resting = battery(afterBoot(5));
    expect(resting.voltage).toBeGreaterThanOrEqual(12.4);
    expect(resting.voltage).toBeLessThanOrEqual(12.6);
    expect(resting.state).toBe('discharging');
  });
});

describe('runSaltFunction: obd.query', () => {
  const query = (name: string, at: Date) => run(`obd.query ${name}`, at).return as Record<string, unknown>;

  it('returns {_stamp, _type, value, unit} like AutoPi', () => {
    expect(run('obd.query speed', afterBoot(120))).toEqual(
      ok({ _stamp: afterBoot(120).toISOString().slice(0, 19), _type: 'speed', value: 33, unit: 'kph' }),
    );
    expect(run('obd.query speed')).toEqual(ok(expect.objectContaining({ _stamp: '2024-05-01T12:34:56.789000' })));
  });

  it('answers each supported PID in its unit, decoded from whole OBD bytes', () => {
    const at = afterBoot(120); // city leg: 33 km/h
    expect(query('rpm', at)).toMatchObject({ _type: 'rpm', value: 1460, unit: 'rpm' });
    expect(query('RPM', at)).toMatchObject({ _type: 'rpm', value: 1460 });
    expect(query('speed', afterBoot(420))).toMatchObject({ value: 100, unit: 'kph' }); // highway leg
    for (const [name, unit] of [['coolant_temp', 'degC'], ['intake_temp', 'degC']] as const) {
      const r = query(name, at);
      expect(r).toMatchObject({ _type: name, unit });
      expect(Number.isInteger(r.value), name).toBe(true);
      expect(r.value as number).toBeGreaterThan(10);
      expect(r.value as number).toBeLessThan(60);
    }
    for (const name of ['engine_load', 'fuel_level', 'throttle_pos']) {
      const r = query(name, at);
      expect(r).toMatchObject({ _type: name, unit: 'percent' });
      const byte = ((r.value as number) * 255) / 100;
      expect(Math.abs(byte - Math.round(byte)), name).toBeLessThan(1e-9);
      expect(r.value as number).toBeGreaterThan(0);
      expect(r.value as number).toBeLessThanOrEqual(100);
    }
    expect(query('elm_voltage', at)).toMatchObject({ unit: 'volt' });
  });

  it('shows a parked car before the engine starts, idling, then driving', () => {
    expect(query('rpm', afterBoot(5)).value).toBe(0);
    expect(query('speed', afterBoot(30)).value).toBe(0);
    expect(query('rpm', afterBoot(30)).value as number).toBeGreaterThan(700);
    expect(query('rpm', afterBoot(30)).value as number).toBeLessThan(800);
    expect(query('coolant_temp', afterBoot(3000)).value as number).toBeGreaterThanOrEqual(88);
  });

  it('is deterministic for the same dongle and time', () => {
    expect(run('obd.query rpm')).toEqual(run('obd.query rpm'));
    expect(run('power.status')).toEqual(run('power.status'));
  });

  it('refuses an unknown PID unless forced, as AutoPi does', () => {
    expect(run('obd.query warp_factor')).toEqual(error("ERROR: Command may not be supported - add 'force=True' to run it anyway"));
    expect(run('obd.query warp_factor force=True')).toEqual(ok({ _stamp: '2024-05-01T12:34:56.789000', _type: 'warp_factor' }));
    expect(run('obd.query 42')).toEqual(error("ERROR: 'int' object has no attribute 'lower'"));
  });
});

describe('runSaltFunction: state.sls', () => {
  it('returns the whole state result dict for pending', () => {
    const result = run('state.sls pending');
    expect(result.retcode).toBe(0);
    expect(result.success).toBe(true);
    const states = result.return as Record<string, Record<string, unknown>>;
    expect(Object.keys(states)).toEqual([
      'module_|-minion-pillar-refreshed_|-saltutil.refresh_pillar_|-run',
      'file_|-minion-config-synced_|-/etc/salt/minion.d/autopi.conf_|-managed',
      'service_|-minion-service-running_|-salt-minion_|-running',
      'test_|-max-pending-sync_|-3_|-succeed_without_changes',
    ]);
    const values = Object.entries(states);
    values.forEach(([key, state], index) => {
      expect(Object.keys(state).sort()).toEqual(
        ['__id__', '__run_num__', '__sls__', 'changes', 'comment', 'duration', 'name', 'result', 'start_time'].sort(),
      );
      expect(state.__run_num__).toBe(index);
      expect(state.result).toBe(true);
      const [module, id, name, fun] = key.split('_|-');
      expect(state.__id__).toBe(id);
      expect(String(state.name)).toBe(name);
      expect(module).toMatch(/^[a-z]+$/);
      expect(fun).toMatch(/^[a-z_]+$/);
      expect(state.start_time).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{6}$/);
      expect(typeof state.duration).toBe('number');
    });
    const starts = values.map(([, s]) => s.start_time as string);
    expect([...starts].sort()).toEqual(starts);
    expect(starts[0]! > '12:34:56').toBe(true);
    expect(states['file_|-minion-config-synced_|-/etc/salt/minion.d/autopi.conf_|-managed']).toMatchObject({
      changes: { diff: expect.stringContaining(`id: ${facts.unitId}`) },
      comment: 'File /etc/salt/minion.d/autopi.conf updated',
      __sls__: 'minion.config',
    });
    expect(states['test_|-max-pending-sync_|-3_|-succeed_without_changes']).toMatchObject({ name: 3, comment: 'Success!', changes: {}, __sls__: 'pending' });
  });

  it('reports what would change under test=True', () => {
    const states = run('state.sls pending test=True').return as Record<string, { result: boolean | null }>;
    expect(Object.values(states).map((s) => s.result)).toEqual([null, null, true, true]);
  });

  it('fails an SLS the dongle does not have, with the list of errors Salt returns', () => {
    expect(run('state.sls nothing')).toEqual({ return: ["No matching sls found for 'nothing' in env 'base'"], retcode: 1, success: false });
    expect(run('state.sls pending,other').return).toEqual(["No matching sls found for 'other' in env 'base'"]);
  });
});

describe('runSaltFunction: cmd.run', () => {
  it('answers the known commands from its table', () => {
    expect(run("cmd.run 'uname -a'")).toEqual(ok('Linux autopi-0d1e2f3a4b5c 6.1.21-v7l+ #1642 SMP Mon Apr  3 17:22:30 BST 2023 armv7l GNU/Linux'));
    expect(run('cmd.run hostname')).toEqual(ok('autopi-0d1e2f3a4b5c'));
    expect(run('cmd.run whoami')).toEqual(ok('root'));
    expect(run('cmd.run date')).toEqual(ok('Wed May  1 12:34:56 UTC 2024'));
    expect(run('cmd.run uptime', afterBoot(3723)).return).toMatch(/^ \d\d:\d\d:\d\d up  1:02,  0 users,  load average: \d\.\d\d, \d\.\d\d, \d\.\d\d$/);
    expect(run('cmd.run uptime', afterBoot(600)).return).toMatch(/ up 10 min, /);
    expect(run("cmd.run 'cat /etc/os-release'").return).toMatch(/^PRETTY_NAME="Raspbian GNU\/Linux 11 \(bullseye\)"\n/);
    expect(run("cmd.run 'uname   -r'")).toEqual(ok('6.1.21-v7l+'));
  });

  it("returns the shell's complaint and exit status for what it cannot run", () => {
    expect(run('cmd.run nosuchtool')).toEqual({ return: '/bin/sh: 1: nosuchtool: not found', retcode: 127, success: false });
    expect(run("cmd.run 'cat /etc/shadow-x'")).toEqual({ return: 'cat: /etc/shadow-x: No such file or directory', retcode: 1, success: false });
    expect(run("cmd.run 'uname -z'")).toEqual({
      return: "uname: invalid option -- 'z'\nTry 'uname --help' for more information.",
      retcode: 1,
      success: false,
    });
  });

  it('honours ignore_retcode, hide_output and extra keyword arguments', () => {
    expect(run('cmd.run nosuchtool ignore_retcode=True')).toEqual(ok('/bin/sh: 1: nosuchtool: not found'));
    expect(run('cmd.run hostname hide_output=True')).toEqual(ok(''));
    expect(run('cmd.run hostname cwd=/tmp python_shell=True anything=1')).toEqual(ok('autopi-0d1e2f3a4b5c'));
  });
});

describe('runSaltFunction: errors', () => {
  it("answers an unknown function exactly as Salt's minion does", () => {
    expect(run('x.y')).toEqual(error("'x.y' is not available."));
    expect(run('power.reboot')).toEqual(error("'power.reboot' is not available."));
  });

  it('adds the docs of near matches, as the minion does via sys.doc', () => {
    const result = run('test.pin');
    expect(result.retcode).toBe(1);
    expect(result.success).toBe(false);
    expect(result.return).toEqual({ 'test.ping': expect.stringContaining('True'), 'test.pin': "'test.pin' is not available." });
  });

  it('reports bad arguments with the messages Salt and Python give', () => {
    const invalid = (line: string) => {
      const result = run(line);
      expect(result.retcode, line).toBe(1);
      expect(result.success, line).toBe(false);
      return (result.return as string).split('\n')[0];
    };
    expect(invalid('test.echo')).toBe("Passed invalid arguments to test.echo: echo() missing 1 required positional argument: 'text'");
    expect(invalid('test.echo a b')).toBe('Passed invalid arguments to test.echo: echo() takes 1 positional argument but 2 were given');
    expect(invalid('test.echo a text=b')).toBe("Passed invalid arguments to test.echo: echo() got multiple values for argument 'text'");
    expect(invalid('test.ping now')).toBe('Passed invalid arguments to test.ping: ping() takes 0 positional arguments but 1 was given');
    expect(invalid('grains.get a b c d e')).toBe('Passed invalid arguments to grains.get: get() takes from 1 to 4 positional arguments but 5 were given');
    expect(invalid('obd.query')).toBe("Passed invalid arguments to obd.query: query() missing 1 required positional argument: 'cmd'");
    expect(invalid('state.sls')).toBe("Passed invalid arguments to state.sls: sls() missing 1 required positional argument: 'mods'");
    expect(invalid('cmd.run')).toBe("Passed invalid arguments to cmd.run: run() missing 1 required positional argument: 'cmd'");
    expect(invalid("test.echo hi foo=bar n=[1, 'a'] t=true")).toBe(
      "ERROR executing 'test.echo': The following keyword arguments are not valid: foo=bar, n=[1, 'a'], t=True",
    );
  });

  it("ends a TypeError message with the function's docstring, as Salt does", () => {
    expect(run('test.echo').return).toMatch(/^Passed invalid arguments to test\.echo: .*\n\n {4}\S.*\n\n {4}CLI Example:\n\n {8}salt '\*' test\.echo /);
  });
});

describe('supportedSaltFunctions', () => {
  it('lists every simulated function', () => {
    expect(supportedSaltFunctions).toEqual([
      'cmd.run',
      'grains.get',
      'grains.items',
      'obd.query',
      'power.status',
      'state.sls',
      'test.arg',
      'test.echo',
      'test.ping',
      'test.version',
    ]);
  });
});
