/**
 * AutoPi's `obd.query` on a simulated car: readings follow a drive cycle that is a pure function of
 * the time since boot, and are decoded from raw PID bytes the way python-OBD decodes them.
 */
import { bootTimeOf, seedOf } from './salt-boot-time.js';
import { SaltCommandError } from './salt-command-error.js';
import { pythonIsoformat, pythonTypeName } from './salt-python-text.js';

/** What AutoPi's OBD manager answers: `_type` is the lower-cased name; no value means the car gave none. */
export interface ObdReading {
  _stamp: string;
  _type: string;
  value?: number;
  unit?: string;
}

/** The simulated car at one moment, as raw OBD bytes plus the supply voltage. */
export interface VehicleState {
  speedByte: number;
  rpmRaw: number;
  coolantByte: number;
  intakeByte: number;
  loadByte: number;
  throttleByte: number;
  fuelByte: number;
  /** Supply voltage in volts, one decimal (what the ELM chip measures). */
  voltage: number;
}

interface PidSpec {
  unit: string;
  decode(state: VehicleState): number;
}

// Standard mode-01 decodings (SAE J1979), keyed by python-OBD command name.
const PIDS: Record<string, PidSpec> = {
  SPEED: { unit: 'kph', decode: (s) => s.speedByte },
  RPM: { unit: 'rpm', decode: (s) => s.rpmRaw / 4 },
  COOLANT_TEMP: { unit: 'degC', decode: (s) => s.coolantByte - 40 },
  INTAKE_TEMP: { unit: 'degC', decode: (s) => s.intakeByte - 40 },
  ENGINE_LOAD: { unit: 'percent', decode: (s) => (s.loadByte * 100) / 255 },
  THROTTLE_POS: { unit: 'percent', decode: (s) => (s.throttleByte * 100) / 255 },
  FUEL_LEVEL: { unit: 'percent', decode: (s) => (s.fuelByte * 100) / 255 },
  ELM_VOLTAGE: { unit: 'volt', decode: (s) => s.voltage },
};

/** The OBD command names the simulated car answers, lower-cased as `obd.query` accepts them. */
export const supportedObdCommands: string[] = Object.keys(PIDS).map((n) => n.toLowerCase());

/** Runs `obd.query <name>`; an unsupported name fails as AutoPi does unless `force` is set. */
export function obdQuery(name: unknown, force: boolean, unitId: string, now: Date): ObdReading {
  if (typeof name !== 'string') {
    // AutoPi's handler calls name.lower() first; Python's message is what comes back.
    throw new SaltCommandError(`'${pythonTypeName(name)}' object has no attribute 'lower'`);
  }
  const reading: ObdReading = { _stamp: pythonIsoformat(now), _type: name.toLowerCase() };
  const spec = PIDS[name.toUpperCase()];
  if (!spec) {
    if (!force) throw new SaltCommandError("Command may not be supported - add 'force=True' to run it anyway");
    // A forced unknown command gets no usable answer from the car: the result carries no value.
    return reading;
  }
  reading.value = spec.decode(vehicleStateAt(unitId, now));
  reading.unit = spec.unit;
  return reading;
}

/** The simulated car's state at `now`: parked and idling after boot, then city and highway legs. */
export function vehicleStateAt(unitId: string, now: Date): VehicleState {
  const seed = seedOf(unitId);
  const s = Math.max(0, Math.floor((now.getTime() - bootTimeOf(unitId, now).getTime()) / 1000));
  const ambient = 12 + (seed % 12);
  const running = s >= 15; // the dongle wakes on ignition; the engine starts a few seconds later
  const speed = running ? driveSpeed(s) : 0;
  const rpm = !running ? 0 : speed === 0 ? 760 + 20 * Math.sin(s / 3) : 900 + (speed % 25) * 60 + Math.floor(speed / 25) * 80;
  const coolant = Math.round(Math.min(88 + (s % 240 < 120 ? 0 : 3), ambient + s / 15));
  const intake = Math.round(ambient + 4 + Math.min(12, s / 150));
  return {
    speedByte: speed,
    rpmRaw: Math.round(rpm * 4),
    coolantByte: coolant + 40,
    intakeByte: intake + 40,
    loadByte: !running ? 0 : clampByte(speed === 0 ? 52 : 60 + speed * 0.8),
    throttleByte: !running ? 0 : clampByte(speed === 0 ? 36 : 40 + speed * 0.6),
    fuelByte: clampByte(Math.max(25, 235 - (seed % 120) - Math.floor(s / 240))),
    // Charging while the engine runs; a resting 12 V battery before that.
    voltage: running ? round1(14.1 + 0.1 * Math.sin(s / 97)) : round1(12.4 + (seed % 3) / 10),
  };
}

// Speed in km/h over a 10-minute loop: stop, city leg, stop, highway leg.
function driveSpeed(s: number): number {
  if (s < 60) return 0;
  const u = (s - 60) % 600;
  const city = 45 + 12 * Math.sin((2 * Math.PI * u) / 80);
  const highway = 95 + 10 * Math.sin((2 * Math.PI * u) / 150);
  let v: number;
  if (u < 40) v = 0;
  else if (u < 280) v = Math.min(city, (u - 40) * 2.5);
  else if (u < 300) v = (city * (300 - u)) / 20;
  else if (u < 320) v = 0;
  else v = Math.min(highway, (u - 320) * 2.5);
  return clampByte(v);
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
