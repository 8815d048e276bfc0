import { CONFIG_SCHEMA, ConfigError, validateConfig, type ConfigKey, type TrainConfig } from '../core/config';

/** Form values as typed (numbers stay strings until validated, so "0." can be typed). */
export type ConfigDraft = Record<ConfigKey, string | boolean>;

export function draftOf(config: TrainConfig): ConfigDraft {
  const out = {} as ConfigDraft;
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
    const v = config[key];
    out[key] = typeof v === 'boolean' ? v : String(v);
  }
  return out;
}

/** Parses the form; the ConfigError message is what the form shows. */
export function parseDraft(draft: ConfigDraft): { config: TrainConfig | null; error: string | null } {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
    const spec = CONFIG_SCHEMA[key];
    const v = draft[key];
    if (spec.kind === 'number') {
      const text = String(v).trim();
      if (text === '') return { config: null, error: `${spec.label} is empty.` };
      raw[key] = Number(text);
    } else raw[key] = v;
  }
  try {
    return { config: validateConfig(raw), error: null };
  } catch (err) {
    if (err instanceof ConfigError) return { config: null, error: err.message };
    throw err;
  }
}

export function configOf(draft: ConfigDraft): { config: TrainConfig | null; configError: string | null } {
  const { config, error } = parseDraft(draft);
  return { config, configError: error };
}
