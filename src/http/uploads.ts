/** Proof documents (R7): accepted types recognised by their first bytes, never by the declared type alone. */
import { createHash } from "node:crypto";
import { EcartError, ErrorCode } from "../platform/errors.js";

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
  const safeName = name.replace(/[\\/\0]/g, "_").slice(0, 200) || `justificatif.${type.split("/")[1]}`;
  return { name: safeName, contentType: type, size: bytes.length, sha256, content };
}
