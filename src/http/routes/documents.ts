/**
 * R19: documents handed in at the counter. POST /cases/:id/documents (multipart: `kind`, `receivedOn`,
 * the file in `file`) attaches one through `execute("attachDocument")`; GET lists a case's documents;
 * GET /documents/:id/file returns one. Uploads are checked by http/uploads.ts, as proofs are.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import { execute } from "../../registry.js";
import { caseDocumentOut } from "../api-shapes.js";
import type { AppDeps } from "../app.js";
import { contextOf } from "../auth.js";
import { commandOut, errors, idParam } from "../schemas.js";
import { acceptDocument } from "../uploads.js";

/** The multipart form of a document: its fields, and its file (required) in `file`. */
async function documentFromMultipart(req: FastifyRequest): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  for await (const part of req.parts()) {
    if (part.type === "file") {
      if (part.fieldname !== "file" || input.file) {
        throw new EcartError(
          ErrorCode.INVALID_INPUT,
          "Un seul document, dans le champ « file ».",
          `unexpected file field ${part.fieldname}`,
          part.fieldname,
        );
      }
      input.file = acceptDocument(part.filename, part.mimetype, await part.toBuffer());
    } else if (typeof part.value === "string" && part.value.trim() !== "") {
      input[part.fieldname] = part.value.trim();
    }
  }
  if (!input.file) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      "Le document à joindre manque.",
      "no file in the form",
      "file",
    );
  }
  return input;
}

export async function documentRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = { access: { kind: "read" as const } };

  api.post(
    "/cases/:id/documents",
    {
      config: { access: { kind: "command", verb: "attachDocument" } },
      schema: {
        tags: ["commands"],
        description:
          "multipart/form-data: `kind` (SALE_DEED, NOTARY_CERTIFICATE, ENTRY_INVENTORY, METER_PHOTO), `receivedOn` (YYYY-MM-DD, today when empty) and the document in `file` (PDF, JPEG, PNG).",
        params: idParam,
        response: { 200: commandOut, ...errors },
      },
    },
    async (req) => {
      if (!req.isMultipart()) {
        throw new EcartError(
          ErrorCode.INVALID_INPUT,
          "Le document s'envoie en multipart/form-data, dans le champ « file ».",
          "attachDocument needs multipart/form-data",
          "file",
        );
      }
      const fields = await documentFromMultipart(req);
      const ctx = contextOf(req, deps.config, deps.clock);
      const key = req.headers["idempotency-key"];
      return execute(
        deps.db,
        ctx,
        "attachDocument",
        { ...fields, case: req.params.id },
        {
          idempotencyKey:
            typeof key === "string" && key && req.account ? `${req.account.username}:${key}` : undefined,
        },
      );
    },
  );

  api.get(
    "/cases/:id/documents",
    {
      config: read,
      schema: {
        tags: ["cases"],
        params: idParam,
        response: {
          200: z.object({ items: z.array(caseDocumentOut) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const rows = await deps.db.kysely
        .selectFrom("case_documents")
        .select([
          "id",
          "kind",
          "received_on",
          "file_name",
          "content_type",
          "size_bytes",
          "attached_at",
          "attached_by",
          "entity",
          "proof_id",
        ])
        .where("case_id", "=", req.params.id)
        .orderBy("id")
        .execute();
      return {
        items: rows.map((d) => ({
          id: d.id,
          kind: d.kind,
          receivedOn: String(d.received_on),
          fileName: d.file_name,
          contentType: d.content_type,
          size: d.size_bytes === null ? null : Number(d.size_bytes),
          attachedAt: new Date(d.attached_at).toISOString(),
          attachedBy: d.attached_by,
          entity: d.entity,
          proof: d.proof_id,
        })),
      };
    },
  );

  api.get(
    "/documents/:id/file",
    { config: read, schema: { tags: ["cases"], params: idParam } },
    async (req, reply) => {
      const d = await deps.db.kysely
        .selectFrom("case_documents")
        .select(["id", "file_name", "content_type", "sha256", "content"])
        .where("id", "=", req.params.id)
        .executeTakeFirst();
      if (!d?.content)
        throw new EcartError(
          ErrorCode.UNKNOWN_REFERENCE,
          `Document inconnu ou sans fichier : ${req.params.id}.`,
          `no file for document ${req.params.id}`,
          "id",
        );
      const name = (d.file_name ?? d.id).replace(/[^\w.-]+/g, "_");
      return reply
        .type(d.content_type ?? "application/octet-stream")
        .header("content-disposition", `attachment; filename="${name}"`)
        .header("x-content-type-options", "nosniff")
        .header("x-checksum-sha256", d.sha256 ?? "")
        .send(Buffer.from(d.content));
    },
  );
}
