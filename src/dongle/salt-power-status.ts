/** AutoPi's `power.status` on a simulated dongle: the power chip (SPM) state and the Pi's uptime. */
import { bootTimeOf } from './salt-boot-time.js';
import type { DongleFacts } from './dongle-facts.js';
import { vehicleStateAt } from './salt-obd.js';
import { pythonIsoformat } from './salt-python-text.js';

/** The `power.status` return at `now`: battery from the simulated car, uptime from the simulated boot. */
export function powerStatus(facts: DongleFacts, now: Date): Record<string, unknown> {
  const voltage = vehicleStateAt(facts.unitId, now).voltage;
  const boot = bootTimeOf(facts.unitId, now);
  const seconds = Math.floor((now.getTime() - boot.getTime()) / 1000);
  return {
    rpi: {
      // Shaped like Salt's status.uptime (which prints minutes unpadded: "1:5").
      uptime: {
        days: Math.floor(seconds / 86_400),
        seconds,
        since_iso: pythonIsoformat(boot),
        since_t: Math.floor(boot.getTime() / 1000),
        time: `${Math.floor((seconds % 86_400) / 3600)}:${Math.floor((seconds % 3600) / 60)}`,
        users: 0,
      },
    },
    spm: {
      battery: { level: chargeLevel(voltage), state: batteryState(voltage), voltage },
      current_state: 'on',
      last_state: { down: 'sleeping', up: 'booting' },
      // The unit woke because the supply voltage rose (engine started) after a timed sleep.
      last_trigger: { down: 'timer', up: 'volt_change' },
      sleep_interval: 21_600,
      version: '3.2',
      volt_factor: 1.0,
      volt_triggers: {
        hibernate_level: { duration: 180, threshold: 12.2 },
        wake_change: { difference: 0.2, period: 1000 },
        wake_level: { duration: 3, threshold: 13.2 },
      },
    },
  };
}

// AutoPi's battery states for a 12 V battery (critical limit 12.3 V).
function batteryState(voltage: number): string {
  if (voltage <= 12.3) return 'critical_level';
  if (voltage <= 12.8) return 'discharging';
  if (voltage <= 13.6) return 'charging_slow';
  if (voltage <= 14.9) return 'charging';
  return 'overcharging';
}

// AutoPi's resting-voltage charge table, in percent.
function chargeLevel(voltage: number): number {
  const steps: [number, number][] = [[12.6, 100], [12.5, 90], [12.4, 80], [12.3, 70], [12.2, 60], [12.1, 50], [11.9, 40], [11.8, 30], [11.6, 20], [11.3, 10]];
  for (const [limit, level] of steps) if (voltage >= limit) return level;
  return 0;
}
