import type { z } from "zod";
import { InfoResponseSchema } from "@gpu-bridge/contract/schemas";

/** /info as the plugin reads it: the core fields the original service also had are required, the rest optional. */
export const ProxyInfoSchema = InfoResponseSchema.partial()
  .required({ device: true, device_name: true, loaded_models: true })
  .loose();
export type ProxyInfo = z.output<typeof ProxyInfoSchema>;
