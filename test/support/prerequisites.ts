/**
 * What the test command needs besides the repository (setup's exports, .venv, installed tools): a missing one fails
 * the suite with the command that provides it, never a skip, so a run that is green has run everything.
 */
export const SETUP = "npm run setup";

/** Throws, naming what is missing and the command that provides it, when `missing` is not empty. */
export function requirePrerequisites(missing: readonly string[], command: string = SETUP): void {
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}: run \`${command}\``);
}
