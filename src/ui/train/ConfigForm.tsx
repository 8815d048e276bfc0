import { CONFIG_SCHEMA, type ConfigKey, type OptionSpec } from '../../core/config';
import type { ConfigDraft } from '../../state/config-draft';

interface ConfigFormProps {
  draft: ConfigDraft;
  disabled: boolean;
  error: string | null;
  checkpointEvery: string;
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
}: {
  k: ConfigKey;
  draft: ConfigDraft;
  disabled: boolean;
  onChange: ConfigFormProps['onChange'];
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
              {c}
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
    </div>
  );
}

/** The training form, generated from CONFIG_SCHEMA; paper-vs-reference switches get their own group. */
export function ConfigForm({
  draft,
  disabled,
  error,
  checkpointEvery,
  onChange,
  onCheckpointEvery,
}: ConfigFormProps) {
  const main = KEYS.filter((k) => spec(k).kind === 'number' || spec(k).kind === 'choice');
  const switches = KEYS.filter((k) => spec(k).kind === 'switch');
  const bools = KEYS.filter((k) => spec(k).kind === 'bool');
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
            <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange} />
          ))}
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
          {bools.map((k) => (
            <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange} />
          ))}
        </div>
      </fieldset>
      <fieldset disabled={disabled} className="paper-switches">
        <legend>Paper vs reference</legend>
        <p className="muted">
          Unchecked = what the authors' reference code does; checked = what the paper describes.
        </p>
        {switches.map((k) => (
          <Field key={k} k={k} draft={draft} disabled={disabled} onChange={onChange} />
        ))}
      </fieldset>
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
