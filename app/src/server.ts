/**
 * Process entry point: validates the environment, builds the app, listens on PORT and shuts
 * down gracefully on SIGTERM/SIGINT (stops accepting, lets in-flight requests finish, closes the
 * database), with a hard deadline of SHUTDOWN_TIMEOUT seconds (default 10, well inside the
 * 30 s a container runtime usually waits before SIGKILL).
 */
import { buildApp } from "./app.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { parseDatabaseUrl } from "./db/connection.js";
import { rebuildMissingIndex } from "./search/heal.js";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`microblog: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp(config);
  if (config.secretKeyGenerated) {
    app.log.warn("SECRET_KEY is not set: using a random key; sessions end when the process does");
  }
  if (config.mail.server && !config.publicUrl) {
    app.log.warn(
      `PUBLIC_URL is not set: links in password-reset mails point to http://localhost:${config.port}`,
    );
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    const t0 = Date.now();
    app.log.info({ signal }, "shutting down: finishing in-flight requests");
    const deadline = setTimeout(() => {
      app.log.error({ ms: Date.now() - t0 }, "shutdown deadline passed; exiting");
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    deadline.unref();
    // Stops accepting, closes idle keep-alive connections, answers requests arriving on busy
    // ones with 503 + Connection: close, and resolves once in-flight requests are done.
    app.close().then(
      () => {
        app.log.info({ ms: Date.now() - t0 }, "shutdown complete");
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  await app.listen({ port: config.port, host: config.host });
  // A missing index (a new engine, a lost volume, searchEngine switched) is rebuilt from the
  // database first; the outbox then drains into it (while the engine is down it could not).
  void rebuildMissingIndex({ db: app.repo.db, search: app.searchEngine, log: app.log })
    .then(
      (result) => {
        if (result === "unreachable") app.log.warn("search: engine unreachable; index not checked");
      },
      (err: unknown) => app.log.error({ err }, "search: rebuilding the missing index failed"),
    )
    .finally(() => {
      if (!closing) app.searchOutbox.start();
    });
  app.log.info(
    {
      database: parseDatabaseUrl(config.databaseUrl).describe,
      search: config.searchUrl ? "on" : "off",
      searchStore: config.searchStore || undefined,
      searchRetryIntervalSeconds: config.searchUrl ? config.searchRetryIntervalSeconds : undefined,
      mail: config.mail.server ? "on" : "off",
      translation: config.translator.key ? "on" : "off",
    },
    "microblog ready",
  );
}

main().catch((err: unknown) => {
  console.error("microblog: failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
