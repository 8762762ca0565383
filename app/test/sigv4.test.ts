// SigV4 for the managed search domain: AWS's published test vectors, a request the way the app
// sends it (checked against botocore's signer), credentials from the ECS endpoint, and the
// search client sending the signed headers.
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { describe, it } from "node:test";
import { SearchEngine } from "../src/search/engine.js";
import { CredentialSource, openSearchSigner, signRequest } from "../src/search/sigv4.js";

/** The credentials and time of AWS's SigV4 test suite (aws-sig-v4-test-suite). */
const SUITE = {
  credentials: {
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  },
  now: new Date("2015-08-30T12:36:00Z"),
  region: "us-east-1",
  service: "service",
};
const SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

describe("SigV4 signing", () => {
  // The suite's get-vanilla, post-vanilla and get-vanilla-query-order-key-case cases.
  const vectors: [string, string, string][] = [
    [
      "GET",
      "https://example.amazonaws.com/",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ],
    [
      "POST",
      "https://example.amazonaws.com/",
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ],
    [
      "GET",
      "https://example.amazonaws.com/?Param2=value2&Param1=value1",
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ],
  ];
  for (const [method, url, signature] of vectors) {
    it(`matches the AWS test suite: ${method} ${new URL(url).search || "/"}`, () => {
      const headers = signRequest({
        ...SUITE,
        method,
        url: new URL(url),
        body: "",
        contentSha256Header: false,
      });
      assert.equal(headers["x-amz-date"], "20150830T123600Z");
      assert.equal(
        headers.authorization,
        `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      );
    });
  }

  it("signs a search write with payload hash and session token as botocore does", () => {
    // Expected value computed with botocore 1.44.5's SigV4Auth (service es) for this request.
    const headers = signRequest({
      ...SUITE,
      credentials: { ...SUITE.credentials, sessionToken: "SESSIONTOKEN" },
      service: "es",
      method: "PUT",
      url: new URL("https://vpc-x.us-east-1.es.amazonaws.com/posts/_doc/42"),
      body: '{"body":"hi","language":"en"}',
    });
    assert.equal(headers["x-amz-security-token"], "SESSIONTOKEN");
    assert.equal(
      headers["x-amz-content-sha256"],
      "84eea0eafdbffe27788a069dc61ed0c666a5bb5dd329783376ad5263083424aa",
    );
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/es/aws4_request, " +
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, " +
        "Signature=8da7442c55d8cddf15ba689ae0fd5256f6fe6f7e8164747fdae3b4efa468e5e6",
    );
    // Any change to the body changes the signature.
    const other = signRequest({
      ...SUITE,
      credentials: { ...SUITE.credentials, sessionToken: "SESSIONTOKEN" },
      service: "es",
      method: "PUT",
      url: new URL("https://vpc-x.us-east-1.es.amazonaws.com/posts/_doc/42"),
      body: '{"body":"hi!","language":"en"}',
    });
    assert.notEqual(other.authorization, headers.authorization);
  });
});

describe("credentials for signing", () => {
  it("fetches the task role's credentials from the ECS endpoint and refreshes them near expiry", async () => {
    const calls: string[] = [];
    let n = 0;
    const fakeFetch = (async (url: string | URL) => {
      calls.push(String(url));
      n += 1;
      return new Response(
        JSON.stringify({
          AccessKeyId: `AKID${n}`,
          SecretAccessKey: "secret",
          Token: `token${n}`,
          Expiration: "2026-01-01T01:00:00Z",
        }),
      );
    }) as typeof fetch;
    let now = new Date("2026-01-01T00:00:00Z");
    const source = new CredentialSource(
      { containerRelativeUri: "/v2/credentials/x" },
      fakeFetch,
      () => now,
    );
    const [a, b] = await Promise.all([source.get(), source.get()]);
    assert.equal(a.accessKeyId, "AKID1");
    assert.equal(b.sessionToken, "token1");
    assert.deepEqual(calls, ["http://169.254.170.2/v2/credentials/x"], "one fetch for both");
    now = new Date("2026-01-01T00:50:00Z");
    assert.equal((await source.get()).accessKeyId, "AKID1", "still valid for 10 minutes");
    now = new Date("2026-01-01T00:56:00Z");
    assert.equal((await source.get()).accessKeyId, "AKID2", "refreshed 5 minutes before expiry");
  });

  it("falls back to AWS_ACCESS_KEY_ID and fails clearly without any credentials", async () => {
    const env = await new CredentialSource({ accessKeyId: "AK", secretAccessKey: "SK" }).get();
    assert.deepEqual([env.accessKeyId, env.sessionToken], ["AK", undefined]);
    await assert.rejects(new CredentialSource({}).get(), /no AWS credentials were found/);
  });
});

describe("search client against a signing-checking engine", () => {
  it("sends the signature, the date, the token and the payload hash with every request", async () => {
    const seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      req.resume();
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(req.url === "/_cluster/health" ? '{"status":"green"}' : "{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const creds = new CredentialSource({
        accessKeyId: "AK",
        secretAccessKey: "SK",
        sessionToken: "TOK",
      });
      const engine = new SearchEngine(url, "posts", openSearchSigner("eu-west-1", creds));
      assert.equal(await engine.state(), "up");
      await engine.write(7, { id: 7, body: "hello" });
      assert.deepEqual(
        seen.map((r) => `${r.method} ${r.url}`),
        ["GET /_cluster/health", "HEAD /posts", "PUT /posts/_doc/7"],
      );
      for (const r of seen) {
        assert.match(
          String(r.headers.authorization),
          /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
        );
        assert.equal(r.headers["x-amz-security-token"], "TOK");
        assert.match(String(r.headers["x-amz-date"]), /^\d{8}T\d{6}Z$/);
      }
      // The engine signed the body it sent.
      const put = seen[2];
      assert.notEqual(
        put?.headers["x-amz-content-sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "not the empty-body hash",
      );
      // Unsigned without a signer (the container stacks).
      seen.length = 0;
      await new SearchEngine(url, "posts").state();
      assert.equal(seen[0]?.headers.authorization, undefined);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
