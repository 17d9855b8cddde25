/** OpenAPI pieces shared by the routes: error responses by code, the JSON body, security. */
import { ERROR_STATUS, ErrorBodySchema, type ErrorCode } from "@gpu-bridge/contract/errors";
import type { ZodType } from "zod";

/** Responses for the given error codes, grouped by status. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const out: Record<number, { description: string; content: { "application/json": { schema: typeof ErrorBodySchema } } }> = {};
  for (const [status, list] of byStatus) {
    out[status] = {
      description: `Error: ${list.map((c) => `\`${c}\``).join(", ")}`,
      content: { "application/json": { schema: ErrorBodySchema } },
    };
  }
  return out;
}

export function jsonContent<T extends ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonRequest<T extends ZodType>(schema: T) {
  return { body: { required: true, content: { "application/json": { schema } } } } as const;
}

/** Errors every authenticated POST route may answer. */
export const POST_ERRORS: ErrorCode[] = [
  "unauthorized",
  "host_not_allowed",
  "invalid_json",
  "body_too_large",
  "too_many_items",
  "text_too_long",
  "unsupported_media_type",
  "validation_error",
  "unknown_model",
  "upstream_rejected",
  "upstream_error",
  "busy",
  "upstream_unavailable",
  "upstream_timeout",
];

export const SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
