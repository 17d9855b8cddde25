/**
 * OpenClaw 2026.9 runs on Node 24.16 or newer (its `engines`); the plugin itself would run on less, so a Gateway on an
 * older Node is named at register, where the person reading the Gateway's log can act on it.
 */

const NEEDED: readonly [number, number] = [24, 16];

/** Why `version` cannot run OpenClaw 2026.9, or undefined when it can. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) return undefined;
  return (
    `GPU Bridge plugin: OpenClaw 2026.9 needs Node ${NEEDED.join(".")} or newer, and this process runs Node ${version}; ` +
    `install Node ${NEEDED.join(".")}+ (nodejs.org, or nvm install ${NEEDED[0]}) and restart the Gateway`
  );
}
