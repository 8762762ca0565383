/**
 * Stand-ins for search outages: an in-memory engine speaking the REST subset the app uses
 * (with a switch that makes it drop every connection, like an engine that is down), and a TCP
 * forwarder that lets a closed port start leading to a real engine.
 */
import http from "node:http";
import net from "node:net";

/** An in-memory Elasticsearch/OpenSearch subset: one index, `multi_match` as any-word match. */
export class FakeSearchEngine {
  /** Documents by id. */
  readonly docs = new Map<number, { body: string; language: string }>();
  /** Index (PUT) and delete requests per post id, counted while up. */
  readonly writes = new Map<number, number>();
  /** When false, every request's connection is dropped (engine down). */
  up = true;
  /** When set, document writes wait for it before answering (to hold a write in flight). */
  gate: Promise<void> | null = null;
  /** Called on each document write before it is applied. */
  onWrite: ((id: number) => Promise<void> | void) | null = null;
  /** The index's refresh_interval as last set through `_settings` (undefined: never set). */
  refreshInterval: string | null | undefined = undefined;
  private indexExists = false;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Ids of documents whose body contains the word (case-insensitive), ascending. */
  find(word: string): number[] {
    const w = word.toLowerCase();
    return [...this.docs]
      .filter(([, d]) => d.body.toLowerCase().split(/\W+/).includes(w))
      .map(([id]) => id)
      .sort((a, b) => a - b);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.up) {
      req.socket.destroy();
      return;
    }
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const send = (status: number, body: unknown = {}) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(body));
    };
    const path = (req.url ?? "/").split("?")[0]!;
    const doc = /^\/[^/]+\/_doc\/(\d+)$/.exec(path);
    if (doc) {
      const id = Number(doc[1]);
      await this.onWrite?.(id);
      if (this.gate) await this.gate;
      if (!this.up) {
        req.socket.destroy();
        return;
      }
      this.writes.set(id, (this.writes.get(id) ?? 0) + 1);
      if (req.method === "PUT") {
        const d = JSON.parse(raw) as { body: string; language: string };
        this.docs.set(id, { body: d.body, language: d.language });
        return send(200, { result: "updated" });
      }
      const had = this.docs.delete(id);
      return send(had ? 200 : 404, { result: had ? "deleted" : "not_found" });
    }
    if (path === "/_cluster/health") return send(200, { status: "green" });
    if (path === "/_bulk") {
      const lines = raw.split("\n").filter((l) => l !== "");
      for (let i = 0; i + 1 < lines.length; i += 2) {
        const action = JSON.parse(lines[i]!) as { index: { _id: string } };
        const d = JSON.parse(lines[i + 1]!) as { body: string; language: string };
        this.docs.set(Number(action.index._id), d);
      }
      return send(200, { errors: false });
    }
    if (/^\/[^/]+\/_refresh$/.test(path)) return send(200);
    if (/^\/[^/]+\/_settings$/.test(path) && req.method === "PUT") {
      const body = JSON.parse(raw) as { index: { refresh_interval: string | null } };
      this.refreshInterval = body.index.refresh_interval;
      return send(200, { acknowledged: true });
    }
    if (/^\/[^/]+\/_search$/.test(path)) {
      const q = JSON.parse(raw) as {
        query: { multi_match: { query: string } };
        from: number;
        size: number;
      };
      const words = q.query.multi_match.query.toLowerCase().split(/\W+/);
      const ids = [...new Set(words.flatMap((w) => this.find(w)))].sort((a, b) => a - b);
      const hits = ids.slice(q.from, q.from + q.size).map((id) => ({ _id: String(id) }));
      return send(200, { hits: { total: { value: ids.length }, hits } });
    }
    if (/^\/[^/_][^/]*$/.test(path)) {
      if (req.method === "HEAD") return send(this.indexExists ? 200 : 404);
      if (req.method === "PUT") {
        this.indexExists = true;
        return send(200, { acknowledged: true });
      }
      if (req.method === "DELETE") {
        const had = this.indexExists;
        this.indexExists = false;
        this.docs.clear();
        return send(had ? 200 : 404);
      }
    }
    send(400, { error: { type: "fake_engine", reason: `${req.method} ${path}` } });
  }
}

/** A TCP port that leads nowhere until `forwardTo` (then every connection reaches the target). */
export class PortSwitch {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private constructor(readonly port: number) {}

  /** A port that was just free and is now closed (connections are refused). */
  static async closedPort(): Promise<PortSwitch> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return new PortSwitch(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening on the port and forwards each connection to `target` (http://host:port). */
  async forwardTo(target: string): Promise<void> {
    const t = new URL(target);
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(t.port), t.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }
}
