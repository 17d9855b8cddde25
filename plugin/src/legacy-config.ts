/**
 * Settings of the original plugin, id `openclaw-gpu-bridge` (v0.1: `serviceUrl`, `apiKey`, `timeout`, `models`;
 * v0.2: also `url`, `hosts[]`, `loadBalancing`, `healthCheckIntervalSeconds`, `limits`), carried over to this plugin's
 * entry. OpenClaw runs the move from the doctor contract (doctor-contract-api.ts) on install and on
 * `openclaw doctor --fix`. Pure functions of the config object; nothing here reads or writes files.
 */
import { PLUGIN_ID } from "./plugin-meta.js";

export const LEGACY_PLUGIN_ID = "openclaw-gpu-bridge";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

/** The original's config in this plugin's shape, and what could not be carried over. */
export function translateLegacyConfig(legacy: unknown): { config: Json; dropped: string[] } {
  const source = isObject(legacy) ? legacy : {};
  const hosts = Array.isArray(source.hosts) ? source.hosts.filter(isObject) : [];
  const first = hosts[0];
  const config: Json = {};
  const dropped: string[] = [];

  // v0.2 preferred hosts[] over serviceUrl/url; v0.1 had serviceUrl only.
  const serviceUrl = text(first?.url) ?? text(source.serviceUrl) ?? text(source.url);
  if (serviceUrl) config.serviceUrl = serviceUrl;
  const apiKey = text(first?.apiKey) ?? text(source.apiKey);
  if (apiKey) config.apiKey = apiKey;
  if (typeof source.timeout === "number" && source.timeout > 0 && source.timeout <= 3600) config.timeout = source.timeout;
  if (isObject(source.models)) {
    const models: Json = {};
    if (text(source.models.embed)) models.embed = source.models.embed;
    if (text(source.models.bertscore)) models.bertscore = source.models.bertscore;
    if (Object.keys(models).length > 0) config.models = models;
  }

  if (hosts.length > 1) {
    dropped.push(`hosts[1..${hosts.length - 1}] (one proxy fronts several GPU boxes: list them in its TRITON_URL)`);
  }
  for (const key of ["loadBalancing", "healthCheckIntervalSeconds", "limits"]) {
    if (key in source) dropped.push(key);
  }
  if (source.serviceUrl !== undefined && serviceUrl !== source.serviceUrl) dropped.push("serviceUrl (hosts[0].url wins)");
  if (source.url !== undefined && serviceUrl !== source.url) dropped.push("url");
  return { config, dropped };
}

const hasConfig = (entry: unknown): boolean => isObject(entry) && isObject(entry.config) && Object.keys(entry.config).length > 0;

/**
 * Whether the original's entry is still in use. Once moved it is `{ enabled: false }`; OpenClaw may put its old
 * `config` back beside that (it keeps the settings of a plugin whose package is gone), which is inert.
 */
export function legacyEntryActive(legacy: unknown): boolean {
  return isObject(legacy) && legacy.enabled !== false;
}

/** Still to move: the original's entry is in use, or this plugin has no config yet and the original's has one. */
function needsMove(legacy: unknown, current: unknown): boolean {
  return legacyEntryActive(legacy) || (hasConfig(legacy) && !hasConfig(current));
}

/**
 * Moves `plugins.entries.openclaw-gpu-bridge` to `plugins.entries.gpu-bridge` and leaves the old entry
 * `{ enabled: false }`; renames the old id in `plugins.allow` / `plugins.deny`. An existing config of this plugin wins
 * over the old one. Returns the same object when there is nothing to move.
 */
export function migrateLegacyEntry(cfg: Json): { config: Json; changes: string[] } {
  const plugins = isObject(cfg.plugins) ? cfg.plugins : undefined;
  const entries = isObject(plugins?.entries) ? plugins.entries : undefined;
  const legacy = entries?.[LEGACY_PLUGIN_ID];
  const listed = (key: "allow" | "deny") => Array.isArray(plugins?.[key]) && (plugins[key] as unknown[]).includes(LEGACY_PLUGIN_ID);
  const move = needsMove(legacy, entries?.[PLUGIN_ID]);
  if (!plugins || (!move && !listed("allow") && !listed("deny"))) return { config: cfg, changes: [] };

  const changes: string[] = [];
  const nextPlugins: Json = { ...plugins };
  if (entries && move) {
    const { [LEGACY_PLUGIN_ID]: old, ...rest } = entries;
    const current = isObject(rest[PLUGIN_ID]) ? rest[PLUGIN_ID] : {};
    const oldEntry = isObject(old) ? old : {};
    const { config: oldConfig, ...oldFlags } = oldEntry;
    const configured = hasConfig(current);
    // Install leaves `{ enabled: false }` here when the config is missing: the original's choice wins over that.
    const entry: Json = configured ? { ...current } : { ...current, ...oldFlags };
    const from = `plugins.entries.${LEGACY_PLUGIN_ID}`;
    const to = `plugins.entries.${PLUGIN_ID}`;
    if (configured) {
      changes.push(`Turned ${from} off: ${to}.config is already set and is kept.`);
    } else {
      const { config, dropped } = translateLegacyConfig(oldConfig);
      entry.config = config;
      const unsupported = dropped.length > 0 ? `; not carried over: ${dropped.join(", ")}` : "";
      changes.push(`Moved ${from} (the original GPU Bridge plugin) to ${to}${unsupported}.`);
    }
    // `{ enabled: false }` is OpenClaw's uninstall marker: the original plugin, if still installed, stays off (its
    // tools have the same names), and OpenClaw no longer counts the old id as configured.
    nextPlugins.entries = { ...rest, [LEGACY_PLUGIN_ID]: { enabled: false }, [PLUGIN_ID]: entry };
  }
  for (const key of ["allow", "deny"] as const) {
    if (!listed(key)) continue;
    const ids = (plugins[key] as unknown[]).map((id) => (id === LEGACY_PLUGIN_ID ? PLUGIN_ID : id));
    nextPlugins[key] = [...new Set(ids)];
    changes.push(`Replaced ${LEGACY_PLUGIN_ID} with ${PLUGIN_ID} in plugins.${key}.`);
  }
  return { config: { ...cfg, plugins: nextPlugins }, changes };
}
