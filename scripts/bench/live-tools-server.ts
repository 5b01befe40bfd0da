/** Benchmark child: the real Boomerang server for the environment it is given; tells its parent its URL, drains and stops on request. */
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';

const server = await startServer(loadConfig());
const { db } = server.ctx;

/** Waits until every job has finished and every callback has been delivered, then vacuums, so that one load run does not slow the next. */
async function drain(): Promise<void> {
  for (;;) {
    const jobs = await db.selectFrom('live_tool_jobs').select(db.fn.countAll<string>().as('n')).where('status', 'not in', ['complete', 'failed']).executeTakeFirstOrThrow();
    const deliveries = await db.selectFrom('deliveries').select(db.fn.countAll<string>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    if (Number(jobs.n) === 0 && Number(deliveries.n) === 0) {
      // A load run leaves thousands of dead row versions behind for autovacuum to clean up during the next run.
      // Measured on PostgreSQL: completion → callback p50 was 22–26 ms in three runs without this, 5–6 ms in two with it.
      await sql`vacuum analyze`.execute(db);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

process.send!({ url: server.url });
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'drain') void drain().then(() => process.send!({ drained: true }));
  if (msg.cmd === 'stop') void server.close().then(() => process.exit(0));
});
// Exits with its parent, even one that failed before asking.
process.on('disconnect', () => process.exit(0));
