// Asks the Docker engine the stack deploys to for its API version, so the renderer declares only
// what that engine accepts (a health check's start interval needs API 1.44). One GET /version on
// the engine's socket, a few milliseconds; any failure answers "unknown" and the renderer then
// uses the form every engine accepts.
import { request } from "node:http";

/** Where a Docker host address (`unix:///path`, `tcp://host:port`) is reached over plain HTTP. */
export function dockerEndpoint(
  host: string,
  tls: boolean,
): { socketPath: string } | { host: string; port: number } | undefined {
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  const tcp = /^tcp:\/\/([^/:]+|\[[0-9a-fA-F:]+\]):(\d+)\/?$/.exec(host);
  // A TLS engine needs the client certificates the provider is configured with: not asked here.
  if (tcp !== null && !tls) return { host: tcp[1]!.replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
  return undefined;
}

/** The engine's API version ("1.41"), or undefined when it cannot be asked within `timeoutMs`. */
export function dockerApiVersion(
  host = "unix:///var/run/docker.sock",
  opts: { tls?: boolean; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const endpoint = dockerEndpoint(host, opts.tls ?? false);
  if (endpoint === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = request(
      { ...endpoint, path: "/version", method: "GET", timeout: opts.timeoutMs ?? 2000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          try {
            const version = (JSON.parse(body) as { ApiVersion?: unknown }).ApiVersion;
            resolve(
              typeof version === "string" && /^\d+\.\d+$/.test(version) ? version : undefined,
            );
          } catch {
            resolve(undefined);
          }
        });
        res.on("error", () => resolve(undefined));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
