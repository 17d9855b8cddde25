/** GPU_MAX_BATCH_SIZE and GPU_MAX_TEXT_LENGTH, checked after schema validation (they come from the config). */
import { ApiError } from "../api/errors.js";
import type { Config } from "./config.js";

export function checkBatch(config: Config, field: string, count: number): void {
  if (count > config.GPU_MAX_BATCH_SIZE) {
    throw new ApiError("too_many_items", `${field} has ${count} items; at most ${config.GPU_MAX_BATCH_SIZE} per request`);
  }
}

export function checkTexts(config: Config, field: string, texts: readonly string[]): void {
  const max = config.GPU_MAX_TEXT_LENGTH;
  const index = texts.findIndex((text) => text.length > max);
  if (index >= 0) {
    throw new ApiError("text_too_long", `${field}[${index}] is ${(texts[index] as string).length} characters; at most ${max}`);
  }
}
