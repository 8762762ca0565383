/** Health endpoints for load balancers and container checks; no login, no session. */
import type { FastifyInstance } from "fastify";

const DB_TIMEOUT_MS = 2000;

/** /healthz (process alive) and /readyz (database reachable; search state reported). */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_req, reply) => {
    let database: "up" | "down" = "up";
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        app.repo.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), DB_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      database = "down";
      app.log.warn({ err: String(err) }, "readiness: database unreachable");
    } finally {
      clearTimeout(timer);
    }
    const search = await app.searchEngine.state();
    const ok = database === "up";
    return reply
      .code(ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ status: ok ? "ok" : "unavailable", database, search });
  });
}
