/**
 * Proof documents (R7): accepted types recognised by their first bytes, never by the declared type alone;
 * PDFs with active content (JavaScript, automatic actions) refused; served back under a name of ours.
 */
import { createHash } from "node:crypto";
import { constants, inflateSync } from "node:zlib";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Most documents stored per case: checked by the commands that store one, under the case's lock. */
export { MAX_DOCUMENTS_PER_CASE } from "../move-in/documents.js";

/** Largest document accepted (R7 proofs, R19 documents at the counter); the console's label says it. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Signatures of the accepted documents: PDF, JPEG, PNG. */
export const ACCEPTED_SIGNATURES: ReadonlyArray<{ type: string; ext: string; magic: readonly number[] }> = [
  { type: "application/pdf", ext: "pdf", magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: "image/jpeg", ext: "jpg", magic: [0xff, 0xd8, 0xff] },
  { type: "image/png", ext: "png", magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

/** The document's real type from its first bytes, or null when it is none of the accepted ones. */
export function sniffType(bytes: Uint8Array): string | null {
  const hit = ACCEPTED_SIGNATURES.find(
    (s) => s.magic.length <= bytes.length && s.magic.every((b, i) => bytes[i] === b),
  );
  return hit?.type ?? null;
}

export interface StoredFile {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

/**
 * Checks an uploaded document (type by its first bytes) and prepares it for proofs.content.
 * The idempotency fingerprint counts binary content by its checksum (src/registry.ts).
 */
export function acceptDocument(name: string, declaredType: string, bytes: Buffer): StoredFile {
  const file = acceptDocumentType(name, declaredType, bytes);
  const active = file.contentType === "application/pdf" ? pdfActiveContent(bytes) : null;
  if (active) {
    throw new EcartError(
      ErrorCode.PDF_ACTIVE_CONTENT,
      "Ce PDF contient du JavaScript ou une action automatique : il est refusé. Enregistrez-le à nouveau en PDF (« Imprimer » vers PDF) ou numérisez-le, puis renvoyez-le.",
      `upload refused: PDF carries ${active}`,
      "file",
    );
  }
  return file;
}

/** The checks of `acceptDocument` but the PDF's content. */
function acceptDocumentType(name: string, declaredType: string, bytes: Buffer): StoredFile {
  if (bytes.length === 0) {
    throw new EcartError(ErrorCode.INVALID_INPUT, "Le fichier envoyé est vide.", "empty upload", "file");
  }
  const type = sniffType(bytes);
  if (!type) {
    throw new EcartError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      "Seuls les documents PDF, JPEG ou PNG sont acceptés.",
      `upload refused: content is not PDF/JPEG/PNG (declared ${declaredType})`,
      "file",
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const content = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const safeName = uploadedName(name) || `justificatif.${type.split("/")[1]}`;
  return { name: safeName, contentType: type, size: bytes.length, sha256, content };
}

/** Longest name kept for an uploaded document (shown to people, never used to serve it). */
export const MAX_UPLOAD_NAME = 200;

/**
 * The name an upload is kept under, as shown to people: its last path segment (a `filename*` of RFC 5987,
 * already decoded by the multipart parser, may carry `..%2F`), without control or bidirectional characters
 * (« facture‮fdp.exe » would read as « facture.exe.pdf »), at most MAX_UPLOAD_NAME characters.
 */
export function uploadedName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? "";
  return [...last.normalize("NFC").replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "")]
    .slice(0, MAX_UPLOAD_NAME)
    .join("")
    .trim();
}

/** The extension of an accepted type (`pdf`, `jpg`, `png`), or `bin`. */
export function extensionOf(contentType: string | null): string {
  return ACCEPTED_SIGNATURES.find((s) => s.type === contentType)?.ext ?? "bin";
}

/**
 * What a stored document is served as: its type read again from its bytes (never the name it came with)
 * and a name built from the proof's id and that type (`PRF-000123.pdf`).
 */
export function servedDocument(
  proofId: string,
  content: Uint8Array,
): { contentType: string; fileName: string } {
  const type = sniffType(content);
  const id = proofId.replace(/[^\w-]+/g, "_");
  return {
    contentType: type ?? "application/octet-stream",
    fileName: `${id}.${type ? extensionOf(type) : "bin"}`,
  };
}

/** PDF names that run something when the document is opened or used. */
const ACTIVE_PDF_NAMES = /\/(JavaScript|JS|OpenAction|Launch)(?![A-Za-z0-9])/;
/** Most bytes inflated from one PDF's compressed streams while looking for active content. */
export const MAX_PDF_INFLATED_BYTES = 50 * 1024 * 1024;

/**
 * The active content a PDF carries (`/JavaScript`, `/JS`, `/OpenAction`, `/Launch`), or null: looked for in
 * its text with `#xx` escapes in names undone, and in its Flate-compressed streams (object streams can hide
 * the catalog's `/OpenAction`). A stream that cannot be inflated is skipped; past MAX_PDF_INFLATED_BYTES
 * the document is refused as if active (a compression bomb hides anything).
 */
export function pdfActiveContent(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const found = activeName(text);
  if (found) return found;
  let inflated = 0;
  const streams = /stream\r?\n/g;
  for (let m = streams.exec(text); m !== null; m = streams.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    let out: Buffer;
    try {
      out = inflateSync(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start), {
        maxOutputLength: MAX_PDF_INFLATED_BYTES - inflated,
        // A truncated stream still gives what it holds.
        finishFlush: constants.Z_SYNC_FLUSH,
      });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return "too much compressed content";
      continue; // not Flate, or damaged: nothing to read in it
    }
    inflated += out.length;
    const inner = activeName(out.toString("latin1"));
    if (inner) return inner;
    streams.lastIndex = end;
  }
  return null;
}

/** The first active name in PDF text, with `#xx` escapes in names undone (`/J#61vaScript`). */
function activeName(text: string): string | null {
  const unescaped = text.replace(/#([0-9a-fA-F]{2})/g, (_m, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  );
  const m = ACTIVE_PDF_NAMES.exec(unescaped);
  return m ? `/${m[1]}` : null;
}
