/** Reading a process's environment through its zod schema: bad values fail at start, naming the variable. */
import type { z } from "zod";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses the fields of `schema` from `source`; empty strings count as unset so that `FOO=` in a .env file means the default. */
export function parseFields<T extends z.ZodType>(schema: T, keys: readonly string[], source: Record<string, unknown>): z.output<T> {
  const input: Record<string, unknown> = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  return result.data;
}
