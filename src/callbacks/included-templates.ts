/** The six included payload templates (`wpt_00001` to `wpt_00006`), which every network has and nobody can change. */
import type { TemplateHeader } from './template-files.js';

/** An included payload template, as data. */
export interface IncludedTemplate {
  id: string;
  name: string;
  type: 'included';
  body: string;
  headers: readonly TemplateHeader[];
}

// Each body below is a whole Liquid template (it is what the API shows); these fragments only avoid writing them twice.

/** A Meraki alert exactly as Meraki sends it (wpt_00001), which is also how the Callback template passes an alert through. */
const ALERT_ENVELOPE = `{
  "version": "{{ version }}",
  "sharedSecret": "{{ sharedSecret }}",
  "sentAt": "{{ sentAt }}",
  "organizationId": "{{ organizationId }}",
  "organizationName": "{{ organizationName }}",
  "organizationUrl": "{{ organizationUrl }}",
  "networkId": "{{ networkId }}",
  "networkName": "{{ networkName }}",
  "networkUrl": "{{ networkUrl }}",
  "networkTags": {{ networkTags | jsonify }},
  "deviceSerial": "{{ deviceSerial }}",
  "deviceMac": "{{ deviceMac }}",
  "deviceName": "{{ deviceName }}",
  "deviceUrl": "{{ deviceUrl }}",
  "deviceTags": {{ deviceTags | jsonify }},
  "deviceModel": "{{ deviceModel }}",
  "alertId": "{{ alertId }}",
  "alertType": "{{ alertType }}",
  "alertTypeId": "{{ alertTypeId }}",
  "alertLevel": "{{ alertLevel }}",
  "occurredAt": "{{ occurredAt }}",
  "alertData": {{ alertData | jsonify }}
}`;

/** The fields of a callback's envelope, in order; `network` and `actionBatchId` only when the payload has them. */
const CALLBACK_FIELDS = `"callbackId": {{ callbackId | jsonify }},
  "organization": {{ organization | jsonify }},
  {%- if network %}
  "network": {{ network | jsonify }},
  {%- endif %}
  {%- if actionBatchId %}
  "actionBatchId": {{ actionBatchId | jsonify }},
  {%- endif %}
  "sentAt": {{ sentAt | jsonify }},
  "message": {{ message | jsonify }}`;

/** Sets `subject` and `outcome` for a callback: an action batch reports a status object, a live tool a status string. */
const CALLBACK_SUMMARY = `
  {%- if actionBatchId -%}
    {%- capture subject %}Action batch {{ actionBatchId }}{% endcapture -%}
    {%- if message.status.failed -%}
      {%- assign outcome = "failed" -%}
    {%- elsif message.status.completed -%}
      {%- assign outcome = "completed" -%}
    {%- else -%}
      {%- assign outcome = "in progress" -%}
    {%- endif -%}
  {%- else -%}
    {%- capture subject %}Callback {{ callbackId }}{% endcapture -%}
    {%- assign outcome = message.status | default: "unknown" -%}
  {%- endif -%}`;

const meraki = `{%- if callbackId -%}
{
  "sharedSecret": "{{ sharedSecret }}",
  ${CALLBACK_FIELDS}
}
{%- elsif alertId -%}
${ALERT_ENVELOPE}
{%- else -%}
{
  "sharedSecret": "{{ sharedSecret }}",
  "sentAt": "{{ sentAt }}"
}
{%- endif -%}
`;

/** The lines describing a callback in the chat and ticket templates: organization, network, job, error, time. */
const CALLBACK_DETAIL_LINES = `Organization: {{ organization.name }} ({{ organization.id }})
    {%- if network %}
Network: {{ network.name }} ({{ network.id }})
    {%- endif %}
    {%- if message.url %}
Job: {{ message.url }}
    {%- endif %}
    {%- if message.error %}
Error: {{ message.error }}
    {%- endif %}
Sent at: {{ sentAt }}`;

const webex = `{%- if callbackId -%}
${CALLBACK_SUMMARY}
  {%- capture markdown -%}
**{{ subject }}: {{ outcome }}**
${CALLBACK_DETAIL_LINES}
  {%- endcapture -%}
{%- elsif alertId -%}
  {%- capture markdown -%}
**{{ alertType }}** ({{ alertLevel }})
Organization: [{{ organizationName }}]({{ organizationUrl }})
Network: [{{ networkName }}]({{ networkUrl }})
Device: [{{ deviceName }}]({{ deviceUrl }}) ({{ deviceModel }}, {{ deviceSerial }})
Occurred at: {{ occurredAt }}
Alert ID: {{ alertId }}
  {%- endcapture -%}
{%- else -%}
  {%- assign markdown = "**Webhook from Boomerang**" -%}
{%- endif -%}
{
  "markdown": {{ markdown | jsonify }}
}
`;

const slack = `{%- if callbackId -%}
${CALLBACK_SUMMARY}
  {%- capture title %}{{ subject }}: {{ outcome }}{% endcapture -%}
  {%- capture details -%}
*Organization:* {{ organization.name }} ({{ organization.id }})
    {%- if network %}
*Network:* {{ network.name }} ({{ network.id }})
    {%- endif %}
    {%- if message.url %}
*Job:* {{ message.url }}
    {%- endif %}
    {%- if message.error %}
*Error:* {{ message.error }}
    {%- endif %}
  {%- endcapture -%}
  {%- assign time = sentAt -%}
{%- elsif alertId -%}
  {%- capture title %}{{ alertType }} ({{ alertLevel }}){% endcapture -%}
  {%- capture details -%}
*Organization:* <{{ organizationUrl }}|{{ organizationName }}>
*Network:* <{{ networkUrl }}|{{ networkName }}>
*Device:* <{{ deviceUrl }}|{{ deviceName }}> ({{ deviceModel }}, {{ deviceSerial }})
*Alert ID:* {{ alertId }}
  {%- endcapture -%}
  {%- assign time = occurredAt -%}
{%- else -%}
  {%- assign title = "Webhook from Boomerang" -%}
  {%- assign details = "The payload is neither a callback nor an alert." -%}
  {%- assign time = sentAt -%}
{%- endif -%}
{
  "text": {{ title | jsonify }},
  "blocks": [
    { "type": "header", "text": { "type": "plain_text", "text": {{ title | truncate: 150 | jsonify }} } },
    { "type": "section", "text": { "type": "mrkdwn", "text": {{ details | truncate: 3000 | jsonify }} } },
    { "type": "context", "elements": [{ "type": "mrkdwn", "text": "At {{ time }}" }] }
  ]
}
`;

const teams = `{%- if callbackId -%}
${CALLBACK_SUMMARY}
  {%- capture title %}{{ subject }}: {{ outcome }}{% endcapture -%}
{%- elsif alertId -%}
  {%- assign title = alertType -%}
{%- else -%}
  {%- assign title = "Webhook from Boomerang" -%}
{%- endif -%}
{
  "type": "message",
  "attachments": [
    {
      "contentType": "application/vnd.microsoft.card.adaptive",
      "content": {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
          { "type": "TextBlock", "text": "{{ title }}", "size": "Medium", "weight": "Bolder", "wrap": true },
          {
            "type": "FactSet",
            "facts": [
{%- if callbackId %}
              { "title": "Organization", "value": "{{ organization.name }}" },
  {%- if network %}
              { "title": "Network", "value": "{{ network.name }}" },
  {%- endif %}
  {%- if message.error %}
              { "title": "Error", "value": "{{ message.error }}" },
  {%- endif %}
              { "title": "Callback ID", "value": "{{ callbackId }}" },
              { "title": "Sent at", "value": "{{ sentAt }}" }
{%- elsif alertId %}
              { "title": "Level", "value": "{{ alertLevel }}" },
              { "title": "Organization", "value": "{{ organizationName }}" },
              { "title": "Network", "value": "{{ networkName }}" },
              { "title": "Device", "value": "{{ deviceName }} ({{ deviceSerial }})" },
              { "title": "Occurred at", "value": "{{ occurredAt }}" }
{%- endif %}
            ]
          }
        ]
{%- if alertId and networkUrl != blank %},
        "actions": [{ "type": "Action.OpenUrl", "title": "Open network", "url": "{{ networkUrl }}" }]
{%- endif %}
      }
    }
  ]
}
`;

const callback = `{%- if callbackId -%}
{
  ${CALLBACK_FIELDS}
}
{%- elsif alertId -%}
${ALERT_ENVELOPE}
{%- else -%}
{}
{%- endif -%}
`;

const serviceNow = `{%- if callbackId -%}
${CALLBACK_SUMMARY}
  {%- capture title %}{{ subject }}: {{ outcome }}{% endcapture -%}
  {%- capture details -%}
${CALLBACK_DETAIL_LINES}
  {%- endcapture -%}
  {%- if outcome == "failed" -%}
    {%- assign urgency = "2" -%}
  {%- else -%}
    {%- assign urgency = "3" -%}
  {%- endif -%}
  {%- assign correlation = callbackId -%}
{%- elsif alertId -%}
  {%- capture title %}{{ alertType }} on {{ deviceName }} ({{ networkName }}){% endcapture -%}
  {%- capture details -%}
Alert: {{ alertType }} ({{ alertTypeId }}), level {{ alertLevel }}
Organization: {{ organizationName }} ({{ organizationId }})
Network: {{ networkName }} ({{ networkId }})
Device: {{ deviceName }}, {{ deviceModel }}, serial {{ deviceSerial }}, MAC {{ deviceMac }}
Occurred at: {{ occurredAt }}
Alert data: {{ alertData | jsonify }}
  {%- endcapture -%}
  {%- case alertLevel -%}
    {%- when "critical" -%}{%- assign urgency = "1" -%}
    {%- when "warning" -%}{%- assign urgency = "2" -%}
    {%- else -%}{%- assign urgency = "3" -%}
  {%- endcase -%}
  {%- assign correlation = alertId -%}
{%- else -%}
  {%- assign title = "Webhook from Boomerang" -%}
  {%- assign details = "The payload is neither a callback nor an alert." -%}
  {%- assign urgency = "3" -%}
  {%- assign correlation = "" -%}
{%- endif -%}
{
  "short_description": {{ title | truncate: 160 | jsonify }},
  "description": {{ details | jsonify }},
  "urgency": "{{ urgency }}",
  "impact": "{{ urgency }}",
  "category": "network",
  "correlation_id": "{{ correlation }}",
  "correlation_display": "Boomerang"
}
`;

function deepFreeze(templates: IncludedTemplate[]): readonly IncludedTemplate[] {
  // Shared by every caller: freezing keeps one request from changing what the next one renders.
  for (const template of templates) {
    for (const header of template.headers) Object.freeze(header);
    Object.freeze(template.headers);
    Object.freeze(template);
  }
  return Object.freeze(templates);
}

/** The Callback (included) template, Meraki's default for a callback given in a request. */
export const DEFAULT_CALLBACK_TEMPLATE = 'wpt_00005';

/** The Meraki (included) template, Meraki's default for an HTTP server and so for alerts and webhook tests. */
export const DEFAULT_SERVER_TEMPLATE = 'wpt_00001';

/** The included templates, in ID order. */
export const includedTemplates: readonly IncludedTemplate[] = deepFreeze([
  { id: 'wpt_00001', name: 'Meraki (included)', type: 'included', body: meraki, headers: [] },
  { id: 'wpt_00002', name: 'Webex (included)', type: 'included', body: webex, headers: [] },
  { id: 'wpt_00003', name: 'Slack (included)', type: 'included', body: slack, headers: [] },
  { id: 'wpt_00004', name: 'Microsoft Teams (included)', type: 'included', body: teams, headers: [] },
  { id: 'wpt_00005', name: 'Callback (included)', type: 'included', body: callback, headers: [] },
  {
    id: 'wpt_00006',
    name: 'ServiceNow (included)',
    type: 'included',
    body: serviceNow,
    headers: [
      { name: 'Accept', template: 'application/json' },
      // ServiceNow's table API takes Basic auth: the HTTP server's shared secret is `user:password`.
      { name: 'Authorization', template: '{% if sharedSecret != blank %}Basic {{ sharedSecret | base64_encode }}{% endif %}' },
    ],
  },
]);

/** The included template with this ID (`wpt_00001`…`wpt_00006`), or undefined. */
export function findIncludedTemplate(id: string): IncludedTemplate | undefined {
  return includedTemplates.find((template) => template.id === id);
}
