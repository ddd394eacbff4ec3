/** Every error the API answers, in one shape: { error: { code, message (French), field } }. */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { z } from "zod";
import { asConflict, EcartError, ErrorCode, HTTP_STATUS } from "../platform/errors.js";
import { absentAt, frenchReason, refusalFr } from "../platform/validate.js";

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().nullish() }),
});
export type ErrorBody = z.infer<typeof errorBody>;

const CONTEXT_FR: Record<string, string> = {
  body: "",
  querystring: "paramètre ",
  params: "",
  headers: "en-tête ",
};

/**
 * Turns any thrown value into an EcartError: known ones kept, fastify's mapped, the rest INTERNAL.
 * `request`: where a validation error's field is looked up, to tell a missing field from a wrong one.
 */
export function toEcartError(err: unknown, request?: FastifyRequest): EcartError {
  if (err instanceof EcartError) return err;
  const conflict = asConflict(err);
  if (conflict) return conflict;
  const fe = err as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const first = fe.validation[0];
    const field = first?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
    const context = fe.validationContext ?? "body";
    const data =
      context === "querystring"
        ? request?.query
        : context === "params"
          ? request?.params
          : context === "headers"
            ? request?.headers
            : request?.body;
    const missing =
      first?.keyword === "invalid_type" &&
      absentAt(
        data,
        first.instancePath.split("/").filter((k) => k !== ""),
      );
    const where = CONTEXT_FR[context] ?? "";
    const reason = missing
      ? null
      : frenchReason(first?.keyword, first?.params as Record<string, unknown> | undefined, first?.message);
    return new EcartError(
      ErrorCode.INVALID_INPUT,
      refusalFr(field, missing, reason, where),
      `invalid ${fe.validationContext ?? "input"}${field ? ` at ${field}` : ""}: ${first?.message ?? ""}`,
      field,
    );
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
    case "FST_FILES_LIMIT":
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return new EcartError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        "Le fichier ou la demande dépasse la taille autorisée.",
        `payload too large (${fe.code})`,
        "file",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_INVALID_MULTIPART_CONTENT_TYPE":
      return new EcartError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        "Type de contenu non accepté.",
        `unsupported media type (${fe.code})`,
      );
  }
  if (fe.statusCode === 429) {
    return new EcartError(
      ErrorCode.RATE_LIMITED,
      "Trop de tentatives : réessayez dans une minute.",
      "rate limited",
    );
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new EcartError(
      ErrorCode.INVALID_INPUT,
      "Demande invalide.",
      `bad request (${fe.code ?? fe.statusCode}): ${fe.message}`,
    );
  }
  return new EcartError(
    ErrorCode.INTERNAL,
    "Erreur interne : l'incident a été enregistré.",
    `internal error: ${fe?.message ?? String(err)}`,
  );
}

/** The Fastify error handler: one status per code (HTTP_STATUS), English in the log, no stack to the client. */
export function replyError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toEcartError(err, request);
  const status = HTTP_STATUS[e.code];
  // A saturated server (503 BUSY) is not a fault: logged like a refusal, not with a stack.
  if ((status >= 500 && e.code !== ErrorCode.BUSY) || isResponseSerializationError(err)) {
    request.log.error({ err, code: e.code }, e.message);
  } else {
    request.log.info({ code: e.code, field: e.field }, e.message);
  }
  return reply
    .code(status)
    .type("application/json; charset=utf-8")
    .send(JSON.stringify(body(e)));
}

export const body = (e: EcartError): ErrorBody => ({
  error: { code: e.code, message: e.messageFr, field: e.field ?? null },
});
