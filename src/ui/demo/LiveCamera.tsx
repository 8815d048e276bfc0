import * as Comlink from 'comlink';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FrameReference } from '../../../workers/engine-api';
import { getEngine } from '../../client/engine';
import { errorText } from '../../state/engine-ready';
import { cameraErrorMessage } from './camera-errors';
import { framesPerSecond, heatOverlayRgba, ownScale } from './heatmap';

interface CameraOption {
  deviceId: string;
  label: string;
}

interface FrameStats {
  fps: number;
  score: number;
  ms: number;
  frames: number;
  reference: FrameReference | null;
}

const FPS_WINDOW = 20;

/**
 * Live inspection: camera frames go to the worker one at a time (the next is grabbed when the
 * previous result is back, so the queue never grows) and the anomaly map is drawn over the video.
 * The stage is square and the video cropped to its centre, as the worker crops the frame.
 */
export function LiveCamera({ large = false, autoStart = false }: { large?: boolean; autoStart?: boolean }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const runningRef = useRef(false);
  const [devices, setDevices] = useState<CameraOption[]>([]);
  const [deviceId, setDeviceId] = useState('');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stats, setStats] = useState<FrameStats | null>(null);

  const listDevices = useCallback(async (): Promise<CameraOption[]> => {
    if (!navigator.mediaDevices?.enumerateDevices) return [];
    const all = await navigator.mediaDevices.enumerateDevices();
    return all
      .filter((d) => d.kind === 'videoinput')
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
  }, []);

  const stop = useCallback(() => {
    runningRef.current = false;
    setRunning(false);
    streamRef.current?.getTracks().forEach((t) => t.stop());
    streamRef.current = null;
    if (videoRef.current) videoRef.current.srcObject = null;
  }, []);

  const loop = useCallback(async () => {
    const video = videoRef.current;
    const canvas = canvasRef.current;
    if (!video || !canvas) return;
    const engine = getEngine();
    const times: number[] = [];
    let frames = 0;
    while (runningRef.current) {
      if (video.readyState < 2 || video.videoWidth === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const bitmap = await createImageBitmap(video);
        const r = await engine.scoreFrame(Comlink.transfer(bitmap, [bitmap]));
        if (!runningRef.current) break;
        if (canvas.width !== r.size) {
          canvas.width = r.size;
          canvas.height = r.size;
        }
        const scale = r.reference
          ? { min: r.reference.mapMin, max: r.reference.mapMax, threshold: r.reference.pixelThreshold }
          : ownScale(r.map);
        const ctx = canvas.getContext('2d');
        ctx?.putImageData(new ImageData(heatOverlayRgba(r.map, scale), r.size, r.size), 0, 0);
        frames += 1;
        times.push(performance.now());
        if (times.length > FPS_WINDOW) times.shift();
        canvas.dataset.frames = String(frames);
        setStats({ fps: framesPerSecond(times), score: r.score, ms: r.ms, frames, reference: r.reference });
      } catch (err) {
        setError(`Scoring failed: ${errorText(err)}`);
        stop();
        break;
      }
      // Let the page paint between frames.
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
  }, [stop]);

  const start = useCallback(
    async (id: string = deviceId) => {
      setError(null);
      if (!navigator.mediaDevices?.getUserMedia) {
        setError('This browser gives no camera access here (a camera needs https or localhost).');
        return;
      }
      try {
        const info = await getEngine().sessionInfo();
        if (!info) {
          setError('Train a model first (Run demo), then start the camera.');
          return;
        }
        const cams = await listDevices();
        setDevices(cams);
        if (cams.length === 0) {
          setError('No camera was found. Connect a camera and press Start again.');
          return;
        }
        const stream = await navigator.mediaDevices.getUserMedia({
          video: id ? { deviceId: { exact: id } } : { width: { ideal: 640 }, height: { ideal: 480 } },
          audio: false,
        });
        streamRef.current = stream;
        const video = videoRef.current!;
        video.srcObject = stream;
        await video.play().catch(() => undefined);
        // Labels are only readable once permission is granted.
        const after = await listDevices();
        setDevices(after);
        const active = stream.getVideoTracks()[0]?.getSettings().deviceId;
        if (active && after.some((c) => c.deviceId === active)) setDeviceId(active);
        runningRef.current = true;
        setRunning(true);
        void loop();
      } catch (err) {
        stop();
        setError(cameraErrorMessage(err));
      }
    },
    [deviceId, listDevices, loop, stop],
  );

  useEffect(() => {
    listDevices().then(setDevices, () => undefined);
    return stop;
  }, [listDevices, stop]);

  useEffect(() => {
    if (!autoStart) return;
    const id = setTimeout(() => void start(''), 0);
    return () => clearTimeout(id);
    // Only on mount: a later change of `start` must not restart the camera.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoStart]);

  const judged =
    stats?.reference != null ? (stats.score > stats.reference.imageThreshold ? 'defect' : 'ok') : null;

  return (
    <section className={`live-camera${large ? ' live-camera--large' : ''}`} data-testid="live-camera">
      <div className="live-camera__controls">
        <label>
          Camera{' '}
          <select
            value={deviceId}
            onChange={(e) => {
              setDeviceId(e.target.value);
              if (running) {
                stop();
                void start(e.target.value);
              }
            }}
            data-testid="camera-select"
          >
            <option value="">Default camera</option>
            {devices.map((d) => (
              <option key={d.deviceId || d.label} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        {running ? (
          <button type="button" onClick={stop} data-testid="camera-stop">
            Stop camera
          </button>
        ) : (
          <button type="button" onClick={() => void start()} data-testid="camera-start">
            Start camera
          </button>
        )}
      </div>
      {error && (
        <p className="live-camera__error" role="alert" data-testid="camera-error">
          {error}
        </p>
      )}
      <div className="live-camera__stage" hidden={!running}>
        <video ref={videoRef} muted playsInline className="live-camera__video" />
        <canvas
          ref={canvasRef}
          className="live-camera__overlay"
          data-testid="camera-overlay"
          data-frames="0"
        />
        {stats && (
          <div className="live-camera__hud">
            <span data-testid="camera-fps" data-fps={stats.fps.toFixed(2)}>
              {stats.fps.toFixed(1)} FPS
            </span>
            <span data-testid="camera-score" data-score={stats.score}>
              score {stats.score.toFixed(3)}
            </span>
            {judged && (
              <span
                className={`live-camera__verdict live-camera__verdict--${judged}`}
                data-testid="camera-verdict"
              >
                {judged === 'defect' ? 'DEFECT' : 'OK'}
              </span>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
