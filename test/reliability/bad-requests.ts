/** Client mistakes mixed into the chaos load, each with the error codes the API documents for it. */
import type { LoadRequest } from "../support/load-driver.js";
import type { ServedModels } from "./workload.js";

/** A model lookup needs the upstream's catalogue, so under faults the upstream's own errors are also right. */
const UPSTREAM_CODES = ["upstream_error", "upstream_unavailable", "upstream_timeout", "busy"];

/** The limits the chaos proxy is started with, so that the too-many/too-long requests cross them by one. */
export const LIMITS = { GPU_MAX_BATCH_SIZE: 100, GPU_MAX_TEXT_LENGTH: 10_000 };

const never = () => "a bad request has no right answer";

function bad(path: string, body: unknown, codes: string[], extra: Partial<LoadRequest> = {}): LoadRequest {
  return { path, body, expectCodes: codes, checkAnswer: never, ...extra };
}

export function badRequests(models: ServedModels): LoadRequest[] {
  const embedModel = models.embed[0]?.publicName;
  return [
    bad("/bertscore", { candidates: [], references: [] }, ["validation_error"]),
    bad("/embed", { texts: "not a list" }, ["validation_error"]),
    bad("/embed", { texts: [1, 2, 3] }, ["validation_error"]),
    bad("/bertscore", { candidates: ["a", "b"], references: ["a"] }, ["length_mismatch"]),
    bad("/bertscore", { candidates: ["a"], references: [[]] }, ["validation_error"]),
    bad("/embed", undefined, ["invalid_json"], { rawBody: '{"texts": ["unterminated' }),
    bad("/bertscore", undefined, ["unsupported_media_type"], { rawBody: "candidates=a", contentType: "text/plain" }),
    bad("/embed", { texts: Array.from({ length: LIMITS.GPU_MAX_BATCH_SIZE + 1 }, () => "x"), model: embedModel }, ["too_many_items"]),
    bad("/embed", { texts: ["x".repeat(LIMITS.GPU_MAX_TEXT_LENGTH + 1)], model: embedModel }, ["text_too_long"]),
    bad("/embed", { texts: ["x"], model: "no-such-model" }, ["unknown_model", ...UPSTREAM_CODES]),
  ];
}
