import type { ReactNode } from 'react';
import {
  CONFIG_SCHEMA,
  needsImportedWeights,
  type ConfigKey,
  type OptionSpec,
  type TeacherName,
} from '../../core/config';
import { shownFor, type ConfigDraft } from '../../state/config-draft';

interface ConfigFormProps {
  draft: ConfigDraft;
  disabled: boolean;
  error: string | null;
  checkpointEvery: string;
  /** The teacher the engine holds now (an imported torchvision teacher stays usable), if known. */
  loadedTeacher: TeacherName | null;
  /** Shown under a field's help (e.g. what the option costs here). */
  fieldNotes?: Partial<Record<ConfigKey, ReactNode>>;
  onChange(key: ConfigKey, value: string | boolean): void;
  onCheckpointEvery(value: string): void;
}

const KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];
const spec = (key: ConfigKey): OptionSpec => CONFIG_SCHEMA[key];

/** Number inputs step by the schema's step, else by a tenth of the default's magnitude. */
function stepOf(s: Extract<OptionSpec, { kind: 'number' }>): number | 'any' {
  if (s.step) return s.step;
  if (s.integer) return 1;
  return 'any';
}

function Field({
  k,
  draft,
  disabled,
  onChange,
  children,
}: {
  k: ConfigKey;
  draft: ConfigDraft;
  disabled: boolean;
  onChange: ConfigFormProps['onChange'];
  /** Shown under the field's help. */
  children?: ReactNode;
}) {
  const s = spec(k);
  const id = `cfg-${k}`;
  const helpId = `${id}-help`;
  const value = draft[k];
  if (s.kind === 'switch' || s.kind === 'bool')
    return (
      <div className="field check">
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          disabled={disabled}
          onChange={(e) => onChange(k, e.currentTarget.checked)}
          aria-describedby={helpId}
          data-testid={id}
        />
        <label htmlFor={id} title={s.help}>
          {s.label}
        </label>
        <small id={helpId} className="help">
          {s.help}
        </small>
      </div>
    );
  return (
    <div className="field">
      <label htmlFor={id} title={s.help}>
        {s.label}
      </label>
      {s.kind === 'choice' ? (
        <select
          id={id}
          value={String(value)}
          disabled={disabled}
          onChange={(e) => onChange(k, e.currentTarget.value)}
          aria-describedby={helpId}
          data-testid={id}
        >
          {s.choices.map((c) => (
            <option key={c} value={c}>
              {choiceLabel(k, c)}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={s.min}
          max={s.max}
          step={stepOf(s)}
          value={String(value)}
          disabled={disabled}
          onChange={(e) => onChange(k, e.currentTarget.value)}
          aria-describedby={helpId}
          data-testid={id}
        />
      )}
      <small id={helpId} className="help">
        {s.help}
        {s.kind === 'number' && ` (${s.min}–${s.max}, default ${s.default})`}
      </small>
      {children}
    </div>
  );
}

function choiceLabel(key: ConfigKey, choice: string): string {
  return key === 'teacher' && needsImportedWeights(choice as TeacherName)
    ? `${choice} (needs an imported checkpoint)`
    : choice;
}

/** Why a teacher without served weights cannot train yet, and where its weights are imported. */
function TeacherImportNote({ teacher, loaded }: { teacher: TeacherName; loaded: TeacherName | null }) {
  if (!needsImportedWeights(teacher)) return null;
  return loaded === teacher ? (
    <p className="muted small" data-testid="teacher-import-note" data-loaded="true">
      No weights are served for {teacher}; the imported {teacher} teacher is loaded, and training uses it.
    </p>
  ) : (
    <p className="warn small" data-testid="teacher-import-note" data-loaded="false">
      No weights are served for {teacher}: it needs an imported torchvision checkpoint, and Start fails
      without one.{' '}
      <a href="#export" data-testid="teacher-import-link">
        Import a reference checkpoint (Export tab)
      </a>
      .
    </p>
  );
}

/**
 * The training form, generated from CONFIG_SCHEMA: the options of the chosen model only (PatchCore
 * has neither a schedule nor paper switches); paper-vs-reference switches get their own group.
 */
export function ConfigForm({
  draft,
  disabled,
  error,
  checkpointEvery,
  loadedTeacher,
  fieldNotes = {},
  onChange,
  onCheckpointEvery,
}: ConfigFormProps) {
  const keys = KEYS.filter((k) => shownFor(draft, k));
  const main = keys.filter((k) => spec(k).kind === 'number' || spec(k).kind === 'choice');
  const switches = keys.filter((k) => spec(k).kind === 'switch');
  const bools = keys.filter((k) => spec(k).kind === 'bool');
  // PatchCore saves its memory when the fit ends or pauses, not every so many steps.
  const checkpoints = draft.model !== 'patchcore';
  return (
    <form
      className="config-form"
      onSubmit={(e) => e.preventDefault()}
      aria-describedby="config-error"
      data-testid="config-form"
    >
      <fieldset disabled={disabled}>
        <legend>Model and schedule</legend>
        <div className="field-grid">
          {main.map((k) => (
            <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange}>
              {k === 'teacher' && (
                <TeacherImportNote teacher={draft.teacher as TeacherName} loaded={loadedTeacher} />
              )}
              {fieldNotes[k]}
            </Field>
          ))}
          {checkpoints && (
            <div className="field">
              <label
                htmlFor="cfg-checkpointEvery"
                title="Saved checkpoints make a run resumable after a reload."
              >
                Checkpoint every
              </label>
              <input
                id="cfg-checkpointEvery"
                type="number"
                min={0}
                step={1}
                value={checkpointEvery}
                onChange={(e) => onCheckpointEvery(e.currentTarget.value)}
                aria-describedby="cfg-checkpointEvery-help"
                data-testid="cfg-checkpointEvery"
              />
              <small id="cfg-checkpointEvery-help" className="help">
                Steps between checkpoints saved in the browser, to resume after a reload (0 = never).
              </small>
            </div>
          )}
          {bools.map((k) => (
            <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange} />
          ))}
        </div>
      </fieldset>
      {switches.length > 0 && (
        <fieldset disabled={disabled} className="paper-switches">
          <legend>Paper vs reference</legend>
          <p className="muted">
            Unchecked = what the authors' reference code does; checked = what the paper describes.
          </p>
          {switches.map((k) => (
            <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange} />
          ))}
        </fieldset>
      )}
      <p
        id="config-error"
        className={error ? 'alert' : 'sr-only'}
        role={error ? 'alert' : undefined}
        data-testid="config-error"
      >
        {error ?? 'Configuration is valid.'}
      </p>
    </form>
  );
}
