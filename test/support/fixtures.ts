/** Paths of the repository and its committed test fixtures (Node only). */
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** test/fixtures/, as a URL to resolve fixture files against. */
export const FIXTURES = new URL("../fixtures/", import.meta.url);
export const FIXTURE_REPOSITORY = fileURLToPath(new URL("model-repository", FIXTURES));
