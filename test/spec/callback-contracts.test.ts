import { describe, expect, it } from 'vitest';
import { CallbackContracts, ContractCompileError } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';

const contracts = await CallbackContracts.compile(loadSpec());

describe('callback contracts', () => {
  it('has a validator for every callback and webhook in the spec', () => {
    expect(contracts.keys()).toEqual([
      'createDeviceLiveToolsArpTable.arpTable',
      'createDeviceLiveToolsCableTest.cableTest',
      'createDeviceLiveToolsPing.pingHost',
      'createDeviceLiveToolsPingDevice.pingDevice',
      'createDeviceLiveToolsWakeOnLan.wakeOnLan',
      'createOrganizationActionBatch.actionBatch',
      'dongle_devices_execute_create.commandCallback',
      'dongle_devices_execute_raw_create.commandCallback',
      'webhook.deviceCameUp',
      'webhook.deviceWentDown',
    ]);
  });

  it("accepts each callback's own examples from the spec", () => {
    for (const key of contracts.keys()) {
      const { examples } = contracts.get(key);
      expect(examples.length, `${key} has an example`).toBeGreaterThan(0);
      for (const example of examples) expect(contracts.check(key, example), key).toEqual({ valid: true });
    }
  });

  it('the dongle callback documents both states', () => {
    const states = contracts.get('dongle_devices_execute_create.commandCallback').examples.map((e) => (e as { state: string }).state);
    expect(states.sort()).toEqual(['COMMAND_EXECUTED', 'TIMEOUT']);
  });

  it('rejects a broken payload with a readable error path', () => {
    const example = structuredClone(contracts.get('createDeviceLiveToolsPing.pingHost').examples[0]) as {
      message: { results: { sent: unknown } };
      sentAt: unknown;
    };
    example.message.results.sent = 'four';
    example.sentAt = 'yesterday';
    const result = contracts.check('createDeviceLiveToolsPing.pingHost', example);
    expect(result.valid).toBe(false);
    // Only the problems of the variant the job's status names (withDiscriminators), not every variant's.
    expect(!result.valid && result.errors).toEqual(['sentAt must match format "date-time"', 'message.results.sent must be integer']);
  });

  it('rejects a dongle callback with an unknown state', () => {
    const example = structuredClone(contracts.get('dongle_devices_execute_raw_create.commandCallback').examples[0]) as { state: string };
    example.state = 'DONE';
    const result = contracts.check('dongle_devices_execute_raw_create.commandCallback', example);
    expect(!result.valid && result.errors).toEqual(['state must be one of its variants\' values, got "DONE"']);
  });

  it('fails to compile, naming the callback, when a schema is broken', async () => {
    const spec = loadSpec();
    const schemas = spec.components!.schemas!;
    (schemas.PingCallback as { type: string }).type = 'strin';
    await expect(CallbackContracts.compile(spec)).rejects.toThrow(ContractCompileError);
    await expect(CallbackContracts.compile(spec)).rejects.toThrow(/^createDeviceLiveToolsPing\.pingHost: schema does not compile/);
  });
});
