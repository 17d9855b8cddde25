/**
 * The manifest of ready model files: paths inside the model repository (the hub repository mirrors the
 * triton-models/ layout) with their sha256 and size.
 */
import { z } from "zod";

export const ManifestSchema = z.object({
  files: z
    .array(
      z.object({
        path: z
          .string()
          .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "a relative path of plain names")
          .refine((p) => !p.split("/").includes(".."), "no '..'"),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        size: z.number().int().nonnegative().optional(),
      }),
    )
    .min(1),
});

export type Manifest = z.infer<typeof ManifestSchema>;

export const MANIFEST_FILE = "manifest.json";

export function parseManifest(json: unknown, source: string): Manifest {
  const result = ManifestSchema.safeParse(json);
  if (!result.success) throw new Error(`invalid manifest ${source}: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return result.data;
}
