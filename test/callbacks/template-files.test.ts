/** Templates given as Base64 files (`bodyFile`, `headersFile`). */
import { describe, expect, it } from 'vitest';
import { decodeTemplateFiles, renderPayload, TemplateError } from '../../src/callbacks/render-payload.js';
import { sampleAlert } from '../../src/callbacks/sample-payloads.js';
import { createTemplateEngine } from '../../src/callbacks/template-engine.js';

const engine = createTemplateEngine();

describe('decodeTemplateFiles', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('decodes a Base64 body and headers given as a JSON object (Meraki) or a list', async () => {
    const body = '{"text": "{{ alertType }} – é 😀"}\n';
    const object = { Authorization: 'Bearer {{ sharedSecret }}', 'X-Id': '{{ alertId }}' };
    expect(decodeTemplateFiles({ bodyFile: b64(body), headersFile: b64(JSON.stringify(object, null, 2)) })).toEqual({
      body,
      headers: [
        { name: 'Authorization', template: 'Bearer {{ sharedSecret }}' },
        { name: 'X-Id', template: '{{ alertId }}' },
      ],
    });
    const list = [{ name: 'X-A', template: 'a' }];
    expect(decodeTemplateFiles({ headersFile: b64(JSON.stringify(list)) })).toEqual({ headers: list });
    // Line-wrapped Base64 (as `base64` prints it), unpadded Base64, a BOM and an empty headers file are fine.
    expect(decodeTemplateFiles({ bodyFile: b64(body).replace(/(.{16})/g, '$1\n') }).body).toBe(body);
    expect(decodeTemplateFiles({ bodyFile: b64('{}x').replace(/=+$/, '') }).body).toBe('{}x');
    expect(decodeTemplateFiles({ bodyFile: b64('\uFEFF{}') }).body).toBe('{}');
    expect(decodeTemplateFiles({ headersFile: '' })).toEqual({ headers: [] });
    expect(decodeTemplateFiles({})).toEqual({});

    const decoded = decodeTemplateFiles({ bodyFile: b64('{"t": "{{ alertType }}"}'), headersFile: b64('{"X-T": "{{ alertTypeId }}"}') });
    const rendered = await renderPayload(engine, { body: decoded.body!, headers: decoded.headers! }, sampleAlert);
    expect(rendered).toEqual({ body: '{"t":"APs went down"}', headers: { 'X-T': 'stopped_reporting' } });
  });

  it('refuses bad Base64, text that is not UTF-8, bad JSON and wrong shapes', () => {
    const cases: [Parameters<typeof decodeTemplateFiles>[0], string][] = [
      [{ bodyFile: 'not base64!' }, 'bodyFile is not valid Base64'],
      [{ bodyFile: 'abcde' }, 'bodyFile is not valid Base64'],
      [{ bodyFile: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64') }, 'bodyFile is not UTF-8 text'],
      [{ headersFile: '%%%' }, 'headersFile is not valid Base64'],
      [{ headersFile: b64('{"a": ') }, 'headersFile is not valid JSON: Unexpected end of JSON input'],
      [{ headersFile: b64('42') }, 'headersFile must hold a JSON object of header templates or a list of {name, template}'],
      [{ headersFile: b64('{"X-A": 1}') }, 'headersFile value of "X-A" must be a string'],
      [{ headersFile: b64('[{"name": "X-A"}]') }, 'headersFile item 0 must be an object with string "name" and "template"'],
      [{ headersFile: b64('[null]') }, 'headersFile item 0 must be an object with string "name" and "template"'],
    ];
    for (const [files, message] of cases) {
      expect(() => decodeTemplateFiles(files), message).toThrow(TemplateError);
      expect(() => decodeTemplateFiles(files), message).toThrow(message);
    }
  });
});
