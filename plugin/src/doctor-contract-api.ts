/**
 * OpenClaw's doctor contract for this plugin (`doctorContract.configRepair` in openclaw.plugin.json; loaded from
 * `dist/doctor-contract-api.js`): flags a config kept under the original plugin's id and moves it here on
 * `openclaw doctor --fix` and whenever OpenClaw repairs config (install, update).
 */
import { LEGACY_PLUGIN_ID, legacyEntryActive, migrateLegacyEntry } from "./legacy-config.js";
import { PLUGIN_ID } from "./plugin-meta.js";

export const legacyConfigRules = [
  {
    path: ["plugins", "entries", LEGACY_PLUGIN_ID],
    message:
      `plugins.entries.${LEGACY_PLUGIN_ID} is the original GPU Bridge plugin's entry; this plugin reads ` +
      `plugins.entries.${PLUGIN_ID}. Run "openclaw doctor --fix" to move it.`,
    match: legacyEntryActive,
  },
];

export function normalizeCompatibilityConfig({ cfg }: { cfg: Record<string, unknown> }): {
  config: Record<string, unknown>;
  changes: string[];
} {
  return migrateLegacyEntry(cfg);
}
