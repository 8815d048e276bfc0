import {
  appliesTo,
  CONFIG_SCHEMA,
  ConfigError,
  MODELS,
  validateConfig,
  type ConfigKey,
  type ModelKind,
  type OptionSpec,
  type TrainConfig,
} from '../core/config';

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

/** The model the draft asks for, or null while it names none. */
export function draftModel(draft: ConfigDraft): ModelKind | null {
  return (MODELS as readonly unknown[]).includes(draft.model) ? (draft.model as ModelKind) : null;
}

/** Whether the form shows option `key` for the draft's model (every option while no model is chosen). */
export function shownFor(draft: ConfigDraft, key: ConfigKey): boolean {
  const model = draftModel(draft);
  return model === null || appliesTo(key, model);
}

/**
 * Parses the form; the ConfigError message is what the form shows. An option that does not apply
 * to the chosen model is hidden, so it takes its default here (the draft keeps what was typed).
 */
export function parseDraft(draft: ConfigDraft): { config: TrainConfig | null; error: string | null } {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
    if (!shownFor(draft, key)) continue;
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

/** What the form keeps across reloads: the draft as typed and the checkpoint interval. */
export interface StoredForm {
  draft: ConfigDraft;
  checkpointEvery: string;
}

/** The part of the Web Storage API used here (a Map-backed fake in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const FORM_STORAGE_KEY = 'dmgrd-playground.config-form.v1';

/**
 * The form as last typed, over `fallback`: a key the stored form lacks, or holds with the wrong
 * type or an unknown choice (an older build's schema), keeps the fallback's value, so the form
 * always has every field of this build's schema. Unreadable storage gives the fallback.
 */
export function loadForm(storage: KeyValueStorage | null, fallback: StoredForm): StoredForm {
  let raw: unknown;
  try {
    const text = storage?.getItem(FORM_STORAGE_KEY);
    if (!text) return fallback;
    raw = JSON.parse(text);
  } catch {
    return fallback;
  }
  if (typeof raw !== 'object' || raw === null) return fallback;
  const stored = raw as { draft?: Record<string, unknown>; checkpointEvery?: unknown };
  const draft = { ...fallback.draft };
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
    const spec = (CONFIG_SCHEMA as Record<string, OptionSpec>)[key];
    const v = stored.draft?.[key];
    if (spec.kind === 'number') {
      if (typeof v === 'string') draft[key] = v;
    } else if (spec.kind === 'choice') {
      if (typeof v === 'string' && spec.choices.includes(v)) draft[key] = v;
    } else if (typeof v === 'boolean') draft[key] = v;
  }
  const checkpointEvery =
    typeof stored.checkpointEvery === 'string' ? stored.checkpointEvery : fallback.checkpointEvery;
  return { draft, checkpointEvery };
}

/** Keeps the form for the next page; a full or refused storage only loses the draft, never the page. */
export function saveForm(storage: KeyValueStorage | null, form: StoredForm): void {
  try {
    storage?.setItem(FORM_STORAGE_KEY, JSON.stringify(form));
  } catch {
    // Storage disabled or full: the form still works, it just starts from defaults next time.
  }
}

/** The page's localStorage, or null where it is unavailable (Node, storage blocked by policy). */
export function pageStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
