/** Several server processes on one fresh PostgreSQL database, with a receiver for their callbacks; killed and dropped after the file. */
import { afterAll, beforeAll } from 'vitest';
import { startChildServer, type ChildServer } from './child-server.js';
import { RecordingReceiver } from './recording-receiver.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { DEMO_KEY } from './test-server.js';

/** The shared database, the receiver, and how to start one more server on them. */
export interface SharedDatabase {
  readonly database: TestDatabase;
  readonly receiver: RecordingReceiver;
  /** Starts a server process on the database, with the demo key, loopback callbacks allowed and no rate limit, plus `env`. */
  start(env?: Record<string, string>): ChildServer;
}

/** Registers the hooks of a test file whose servers share one database; call it inside the file's `describe`. */
export function useSharedDatabase(secretKey: string): SharedDatabase {
  const children: ChildServer[] = [];
  let database: TestDatabase | undefined;
  let receiver: RecordingReceiver | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await RecordingReceiver.start();
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await receiver?.close();
    await database?.drop();
  });
  return {
    get database() {
      return database!;
    },
    get receiver() {
      return receiver!;
    },
    start(env = {}) {
      const server = startChildServer({
        DATABASE_URL: database!.databaseUrl!,
        SEED_API_KEY: DEMO_KEY,
        // Every process must open the secrets the others sealed.
        SECRET_KEY: secretKey,
        CALLBACK_ALLOW_HOSTS: '127.0.0.1',
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        LOG_LEVEL: 'info',
        ...env,
      });
      children.push(server);
      return server;
    },
  };
}
