/**
 * Protections of the whole HTTP surface that no route states itself (issue 14): which bodies are read at
 * all. Registered once by `buildApp`, before the routes.
 */
import type { FastifyInstance } from "fastify";

/**
 * Registers the protections on the root instance. A `text/plain` body is never read (415): it is what a
 * cross-site form or `fetch` can send without a CORS preflight, and no route takes one.
 */
export async function registerHardening(app: FastifyInstance): Promise<void> {
  app.removeContentTypeParser("text/plain");
}
