/**
 * Request logging: exactly one JSON line per request, written when the response is done, with
 * no secrets (reset tokens in paths are masked; cookies and headers are never logged).
 */
import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

/** Masks secrets that travel in URLs (password-reset tokens). */
export function redactUrl(url: string): string {
  return url.replace(/(\/auth\/reset_password\/)[^/?#]+/, "$1[redacted]");
}

/** Fastify log controller: "incoming" only at debug level, one info line per completed request. */
export class OneLineRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: redactUrl(request.url) }, "incoming request");
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request");
  }
}
