/**
 * Raw HTTP/1.1 over a loopback socket: request targets exactly as written (`/%61pi/…`, absolute-form
 * `http://host/api/…`), which `fetch` and `app.inject` would normalise, and slow clients.
 */
import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or null. */
  json: { error?: { code: string; message?: string } } & Record<string, unknown>;
}

/** Parses one HTTP/1.1 response (Content-Length or chunked body). */
export function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  let body = end < 0 ? "" : raw.slice(end + 4);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  if (headers["transfer-encoding"] === "chunked") {
    let out = "";
    let rest = body;
    for (;;) {
      const nl = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.slice(0, nl), 16);
      if (!size) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  let json = null;
  try {
    json = JSON.parse(body);
  } catch {
    // not JSON
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body, json };
}

/** Opens a socket to 127.0.0.1:port. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

/**
 * Sends a request as written (`target` untouched) and reads the whole response (the connection is closed).
 * `headers` are written in order; Host and Connection: close are added, and Content-Length for a body.
 */
export async function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body = "",
): Promise<RawResponse> {
  const s = await openSocket(port);
  const all: Record<string, string> = { host: `127.0.0.1:${port}`, connection: "close", ...headers };
  if (body !== "" || !["GET", "HEAD"].includes(method))
    all["content-length"] = String(Buffer.byteLength(body));
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on("data", (c) => chunks.push(c));
    s.once("error", reject);
    s.once("close", () => resolve(parseResponse(Buffer.concat(chunks).toString("utf8"))));
    s.write(head + body);
  });
}
