/** The request limits of the configuration, in the form the request schemas (@gpu-bridge/contract/schemas) take. */
import type { RequestLimits } from "@gpu-bridge/contract/schemas";
import type { Config } from "./config.js";

export function requestLimits(config: Config): RequestLimits {
  return { maxItems: config.GPU_MAX_BATCH_SIZE, maxTextLength: config.GPU_MAX_TEXT_LENGTH };
}
