import { describeAdapter } from '../../workers/adapter-class';
import { BACKEND_LABEL as LABEL } from '../../workers/backend-plan';
import { BACKEND_ORDER, BACKEND_QUERY_PARAM, type BackendInfo } from '../../workers/engine-api';
import { useEngineStore } from '../state/engine-store';
import { autoSentence, choiceSentence } from './backend-choice-text';

const yesNo = (v: boolean): string => (v ? 'yes' : 'no');

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function backendHref(name: string): string {
  const url = new URL(window.location.href);
  if (name === 'auto') url.searchParams.delete(BACKEND_QUERY_PARAM);
  else url.searchParams.set(BACKEND_QUERY_PARAM, name);
  return url.pathname + url.search + url.hash;
}

function wasmThreadsText(info: BackendInfo): string {
  if (info.wasmThreads === null) return 'n/a (WASM not in use)';
  const build = `${info.wasmThreadedBuild ? 'threaded' : 'single-threaded'} ${info.wasmSimd ? 'SIMD' : 'no-SIMD'} build`;
  const why = info.crossOriginIsolated ? '' : ' — no threads: not cross-origin isolated';
  return `${info.wasmThreads} (${build}, ${info.hardwareConcurrency} logical cores)${why}`;
}

function Adapter({ info }: { info: BackendInfo }) {
  if (!info.adapter) return <dd data-testid="adapter-description">none offered by the browser</dd>;
  return (
    <dd data-testid="adapter-description">
      {describeAdapter(info.adapter)}
      {info.adapter.isFallbackAdapter && ' (flagged as a fallback adapter)'}
      {info.backend !== 'webgpu' && <span className="muted"> (not used)</span>}
    </dd>
  );
}

/** Which backend runs the model, on what hardware, why, and why each other one was passed over. */
export function BackendPanel() {
  const { status, info, error, param, deviceLost, selfTest, selfTestError, selfTestRunning, memory, log } =
    useEngineStore();
  const runSelfTest = useEngineStore((s) => s.runSelfTest);
  const refreshMemory = useEngineStore((s) => s.refreshMemory);
  const warnings = log.filter((l) => l.level === 'warn' || l.level === 'error').slice(-5);
  // While starting: the selection's last step ("Timing the WebGPU probe"), so a probe is not a silent pause.
  const lastInfo = log.findLast((l) => l.level === 'info')?.message;

  return (
    <section className="backend-panel" aria-labelledby="backend-heading" data-testid="backend-panel">
      <h2 id="backend-heading">Compute backend</h2>
      <p className="status" data-testid="engine-status" data-status={status} aria-live="polite">
        {status === 'starting' && `Starting the engine worker${lastInfo ? `: ${lastInfo}` : ''}…`}
        {status === 'ready' && 'Engine ready'}
        {status === 'error' && `Engine failed: ${error}`}
        {status === 'idle' && 'Engine not started'}
      </p>
      {deviceLost && (
        <p role="alert" className="alert" data-testid="device-lost">
          GPU device lost ({deviceLost}). A training run restarts from its last checkpoint on a new device or
          the fallback backend; otherwise reload the page.
        </p>
      )}
      <dl className="facts">
        <dt>Backend</dt>
        <dd>
          <strong data-testid="backend-name" data-backend={info?.backend ?? ''}>
            {info ? LABEL[info.backend] : '…'}
          </strong>
          {info && <span className="muted"> (requested: {info.requested})</span>}
        </dd>
        {info && (
          <>
            <dt>Why</dt>
            <dd data-testid="backend-choice" data-basis={info.choice.basis}>
              {choiceSentence(info)}
              {info.choice.auto && (
                <>
                  {' '}
                  <span data-testid="backend-auto" data-backend={info.choice.auto.backend ?? ''}>
                    {autoSentence(info)}
                  </span>
                </>
              )}
            </dd>
            <dt>WebGPU adapter</dt>
            <Adapter info={info} />
            <dt>Cross-origin isolated</dt>
            <dd data-testid="coi">
              page <span data-testid="coi-page">{yesNo(window.crossOriginIsolated === true)}</span>, worker{' '}
              <span data-testid="coi-worker">{yesNo(info.crossOriginIsolated)}</span>
            </dd>
            <dt>WASM threads</dt>
            <dd data-testid="wasm-threads">{wasmThreadsText(info)}</dd>
            <dt>Own SIMD kernels</dt>
            <dd data-testid="simd-kernels">
              {info.simdKernels === null
                ? 'n/a (WASM not in use)'
                : info.simdKernels
                  ? 'on (Winograd transforms, transposes)'
                  : 'off: the module could not be instantiated; JS loops instead'}
            </dd>
            <dt>TF.js</dt>
            <dd>
              {info.tfjsVersion}, backend ready in {info.initMs} ms
            </dd>
          </>
        )}
      </dl>

      {info && info.fallbacks.length > 0 && (
        <>
          <h3>Backends not used</h3>
          <ul className="fallbacks" data-testid="fallback-reasons">
            {info.fallbacks.map((f) => (
              <li key={f.backend} data-testid={`fallback-${f.backend}`}>
                <strong>{LABEL[f.backend]}:</strong> {f.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {param?.ignored && (
        <p className="warn" data-testid="ignored-param">
          Ignored ?{BACKEND_QUERY_PARAM}={param.ignored}; expected one of {BACKEND_ORDER.join(', ')}.
        </p>
      )}

      <nav aria-label="Force a backend" className="backend-links">
        Reload with:{' '}
        {['auto', ...BACKEND_ORDER].map((b) => (
          <a
            key={b}
            href={backendHref(b)}
            aria-current={(info?.requested ?? 'auto') === b ? 'true' : undefined}
          >
            {b}
          </a>
        ))}
      </nav>

      <div className="actions">
        <button
          type="button"
          onClick={() => void runSelfTest()}
          disabled={status !== 'ready' || selfTestRunning}
          data-testid="selftest-run"
        >
          {selfTestRunning ? 'Checking…' : 'Check conv2d against CPU'}
        </button>
        <button
          type="button"
          onClick={() => void refreshMemory()}
          disabled={status !== 'ready'}
          data-testid="memory-refresh"
        >
          Tensor memory
        </button>
      </div>
      {selfTest && (
        <p
          data-testid="selftest-result"
          data-max-abs-diff={selfTest.maxAbsDiff}
          data-backend={selfTest.backend}
        >
          conv2d on {LABEL[selfTest.backend]}: max |Δ| vs CPU = {selfTest.maxAbsDiff.toExponential(2)} (
          {selfTest.ms} ms, output [{selfTest.outputShape.join(', ')}])
        </p>
      )}
      {selfTestError && (
        <p className="warn" data-testid="selftest-error">
          Self-test failed: {selfTestError}
        </p>
      )}
      {memory && (
        <p data-testid="memory">
          {memory.numTensors} tensors, {formatBytes(memory.numBytes)}
          {memory.numBytesInGPU !== null && `, ${formatBytes(memory.numBytesInGPU)} on GPU`}
        </p>
      )}
      {warnings.length > 0 && (
        <details className="log">
          <summary>Engine warnings ({warnings.length})</summary>
          <ul>
            {warnings.map((l) => (
              <li key={`${l.at}-${l.message}`}>{l.message}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
