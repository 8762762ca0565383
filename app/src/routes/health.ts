/** Health endpoints for load balancers and container checks; no login, no session. */
import type { FastifyInstance } from "fastify";

const DB_TIMEOUT_MS = 2000;

/** Resolves with `work`, or rejects after DB_TIMEOUT_MS. */
async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), DB_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz (process alive) and /readyz (database reachable; search state and the search outbox
 * backlog reported, never a reason for 503: posts are accepted while search catches up).
 */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_req, reply) => {
    let database: "up" | "down" = "up";
    try {
      await withTimeout(app.repo.ping());
    } catch (err) {
      database = "down";
      app.log.warn({ err: String(err) }, "readiness: database unreachable");
    }
    const [search, searchBacklog] = await Promise.all([
      app.searchEngine.state(),
      database === "up"
        ? withTimeout(app.searchOutbox.backlog()).catch((err: unknown) => {
            app.log.warn({ err: String(err) }, "readiness: cannot read the search outbox");
            return null;
          })
        : null,
    ]);
    const ok = database === "up";
    return reply
      .code(ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({
        status: ok ? "ok" : "unavailable",
        database,
        search,
        search_backlog: searchBacklog,
      });
  });
}
