/** loadConfig: CORS_ORIGINS parsed into canonical origins, anything else refused at start-up. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('CORS_ORIGINS', () => {
  it('defaults to no origin at all', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' ' }).corsOrigins).toEqual([]);
  });

  it('takes * alone, or origins written as browsers send them', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: 'https://App.Example.com, http://localhost:3000/ ,http://[::1]:8080,http://example.com:80' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      'http://[::1]:8080',
      'http://example.com',
    ]);
  });

  it.each(['app.example.com', 'https://app.example.com/path', 'https://app.example.com?x=1', 'ftp://app.example.com', 'https://*.example.com', '*,https://app.example.com', 'https://user@app.example.com', 'null'])(
    'refuses %s',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/^CORS_ORIGINS must be \* or comma-separated origins/);
    },
  );
});
