/** Entry point: read the environment, start the server, print how to use it, stop cleanly on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`Boomerang cannot start: ${err.message}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel, config.logFormat);

try {
  const server = await startServer(config, { logger });
  const database = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite (${config.dataDir})`;
  logger.info({ url: server.url, database }, `Boomerang listening on ${server.url}`);
  process.stdout.write(`Callback inbox: ${server.url}/inbox (watch callbacks arrive; API docs at ${server.url}/docs)\n`);
  if (config.demoAllowsLoopback) {
    process.stdout.write(
      'Callbacks to localhost, 127.0.0.1 and ::1 are allowed (embedded demo default); set CALLBACK_ALLOW_HOSTS to choose.\n',
    );
  }
  if (server.seeded) {
    const { organizationId, apiKey, generatedKey } = server.seeded;
    // Printed once, on the start that created the key: it is stored only as a hash.
    const lines = [
      '',
      `Demo data seeded: organization ${organizationId}.`,
      generatedKey ? `Demo admin API key (shown once, keep it): ${apiKey}` : 'Demo admin API key: the value of SEED_API_KEY.',
      `Try: curl -s -H "Authorization: Bearer ${generatedKey ? apiKey : '$SEED_API_KEY'}" ${server.url}/api/v1/organizations`,
      `API docs: ${server.url}/docs`,
      `Demo callback inbox (the docs' examples call back to it): ${server.url}/inbox/${server.seeded.inboxToken}`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A stuck connection must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    await server.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  logger.fatal({ err }, `Boomerang failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
