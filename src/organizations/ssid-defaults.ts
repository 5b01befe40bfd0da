/** Settings of a freshly created SSID, as Meraki reports an unconfigured one. */
export function defaultSsidSettings(number: number): Record<string, unknown> {
  return {
    name: `Unconfigured SSID ${number + 1}`,
    enabled: false,
    splashPage: 'None',
    ssidAdminAccessible: false,
    authMode: 'open',
    ipAssignmentMode: 'NAT mode',
    adultContentFilteringEnabled: false,
    minBitrate: 11,
    bandSelection: 'Dual band operation',
    perClientBandwidthLimitUp: 0,
    perClientBandwidthLimitDown: 0,
    perSsidBandwidthLimitUp: 0,
    perSsidBandwidthLimitDown: 0,
    mandatoryDhcpEnabled: false,
    lanIsolationEnabled: false,
    visible: true,
    availableOnAllAps: true,
    availabilityTags: [],
  };
}
