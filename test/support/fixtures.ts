/** Paths of the committed test fixtures (Node only). */
import { fileURLToPath } from "node:url";

export const FIXTURE_REPOSITORY = fileURLToPath(new URL("../fixtures/model-repository", import.meta.url));
