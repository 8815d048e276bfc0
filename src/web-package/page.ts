// The index.html and README.md of a web scoring package. The page scores a dropped or picked
// image, or the camera, with the package's detector.js; an import map points TF.js at vendor/, so
// it runs offline from any static file server.
import type { PackageManifest } from './manifest';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const IMPORT_MAP = {
  imports: {
    '@tensorflow/tfjs': './vendor/tfjs.js',
    '@tensorflow/tfjs-backend-wasm': './vendor/tfjs-backend-wasm.js',
    '@tensorflow/tfjs-backend-webgpu': './vendor/tfjs-backend-webgpu.js',
  },
};

export function indexHtml(m: PackageManifest): string {
  const title = `Anomaly detector: ${m.category} (${m.config.model} on ${m.config.teacher}, step ${m.step})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 760px; padding: 0 1rem; color: #1b1f24; }
#drop { border: 2px dashed #8c959f; border-radius: 8px; padding: 1.2rem; text-align: center; margin: 1rem 0; }
#drop.over { border-color: #0b5fcc; background: #eef4ff; }
.row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
canvas { width: 256px; height: 256px; image-rendering: pixelated; border: 1px solid #d0d7de; }
#verdict { font-size: 1.3rem; font-weight: 600; } .bad { color: #b00020; } .good { color: #1d5b2a; }
.muted { color: #57606a; } button, select { font: inherit; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="muted">Scores in this browser, with no network: the model and TF.js are in this folder.
Threshold ${m.thresholds.image.toFixed(4)}: an image scoring at or above it is anomalous.</p>
<p id="status" role="status">Loading the model…</p>
<p><label>Backend <select id="backend"><option value="wasm">WASM</option><option value="webgpu">WebGPU</option><option value="cpu">CPU</option></select></label>
<button id="camera" type="button" disabled>Start the camera</button></p>
<div id="drop">Drop an image here, or <input id="file" type="file" accept="image/*" disabled></div>
<div class="row">
<canvas id="view" width="${m.config.imageSize}" height="${m.config.imageSize}" aria-label="Image with its anomaly map"></canvas>
<div><p id="verdict" data-testid="verdict"></p><p id="score" data-testid="score"></p><p id="timing" class="muted"></p></div>
</div>
<video id="video" playsinline muted hidden></video>
<script type="module">
import { load } from './detector.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const backend = params.get('backend') ?? 'wasm';
$('backend').value = backend;
$('backend').onchange = () => { params.set('backend', $('backend').value); location.search = params.toString(); };

let detector;
try {
  detector = await load('./model/', { backend, wasmPaths: new URL('./vendor/', location.href).href });
  window.detector = detector;
  $('status').textContent = 'Ready (' + detector.backend + '). Drop an image or start the camera.';
  $('file').disabled = false;
  $('camera').disabled = !navigator.mediaDevices;
} catch (e) {
  $('status').textContent = 'The model could not be loaded: ' + e.message;
  throw e;
}

// jet, as the playground's heat maps: blue (low) to red (high) over the evaluation's map range.
const range = detector.manifest.mapRange;
function jet(t) {
  const c = (x) => Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - x)));
  return [c(3) * 255, c(2) * 255, c(1) * 255];
}

function show(result, bitmap, crop) {
  const view = $('view');
  const ctx = view.getContext('2d');
  const n = result.size;
  const side = Math.min(bitmap.width, bitmap.height);
  const [sx, sy, sw, sh] = crop ? [(bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side] : [0, 0, bitmap.width, bitmap.height];
  ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, n, n);
  const img = ctx.getImageData(0, 0, n, n);
  let lo = range ? range.min : Infinity, hi = range ? range.max : -Infinity;
  if (!range) for (const v of result.map) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  for (let i = 0; i < n * n; i++) {
    const rgb = jet(Math.max(0, Math.min(1, (result.map[i] - lo) / (hi - lo || 1))));
    for (let k = 0; k < 3; k++) img.data[i * 4 + k] = 0.5 * img.data[i * 4 + k] + 0.5 * rgb[k];
  }
  ctx.putImageData(img, 0, 0);
  $('verdict').textContent = result.anomalous ? 'Anomalous' : 'Normal';
  $('verdict').className = result.anomalous ? 'bad' : 'good';
  $('score').textContent = 'Score ' + result.score.toFixed(6);
  $('timing').textContent = Math.round(result.ms) + ' ms on ' + detector.backend;
}

async function scoreFile(file) {
  try {
    const result = await detector.score(file);
    show(result, await createImageBitmap(file), false);
    $('status').textContent = file.name;
  } catch (e) {
    $('status').textContent = file.name + ': ' + e.message;
  }
}

$('file').onchange = () => { const f = $('file').files[0]; if (f) scoreFile(f); };
const drop = $('drop');
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); const f = e.dataTransfer.files[0]; if (f) scoreFile(f); };

let stream = null;
$('camera').onclick = async () => {
  const video = $('video');
  if (stream) { stream.getTracks().forEach((t) => t.stop()); stream = null; $('camera').textContent = 'Start the camera'; return; }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch (e) {
    $('status').textContent = 'No camera: ' + e.message;
    return;
  }
  video.srcObject = stream;
  await video.play();
  $('camera').textContent = 'Stop the camera';
  while (stream) {
    const frame = await createImageBitmap(video);
    const result = await detector.score(frame, { crop: 'center' });
    show(result, frame, true);
    frame.close();
    // Scoring runs on this thread: let the page paint and answer input between frames.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }
};
</script>
</body>
</html>
`;
}

export function readme(m: PackageManifest): string {
  return `# Anomaly detector: ${m.category}

${m.config.model === 'dmgrd' ? 'DM-GRD' : 'Reverse Distillation'} model on the ${m.config.teacher} teacher, step ${m.step},
exported by the DM-GRD Playground on ${m.createdAt}.

## Try it

Serve this folder with any static file server and open index.html (ES modules do not load from
file://), e.g. \`python3 -m http.server\` here, then http://localhost:8000/. Drop an image or start
the camera. Nothing is fetched from elsewhere: the model and TF.js are in this folder.

## Use it in a page

\`\`\`js
import { load } from './detector.js';
const detector = await load('./model/');            // { backend: 'wasm' | 'webgpu', wasmPaths }
const { score, map, anomalous } = await detector.score(imageOrVideoFrame); // { crop: 'center' } for camera frames
\`\`\`

detector.js imports only \`@tensorflow/tfjs\`, \`@tensorflow/tfjs-backend-wasm\` and
\`@tensorflow/tfjs-backend-webgpu\` (4.22). With a bundler, install them from npm; without one,
map them to vendor/ with the import map of index.html and pass \`wasmPaths\` (vendor/'s URL).

- \`score\`: the image's anomaly score; \`anomalous\`: score >= ${m.thresholds.image} (the threshold chosen in the playground).
- \`map\`: the anomaly map, ${m.config.imageSize} x ${m.config.imageSize}, row-major; the playground coloured
  it over ${m.mapRange ? `[${m.mapRange.min}, ${m.mapRange.max}]` : 'its own range'}.
- The input: any image element, canvas, video, ImageBitmap, VideoFrame, Blob or ImageData.
  ${m.preprocessing.description}

On the WASM backend the scores are the playground's own (WASM) scores.

## Files

- model/model.json: what the other files are, the configuration, preprocessing and thresholds.
- model/weights.safetensors: the trained network; model/memory.safetensors: the normal memory bank.
- model/teacher/: the frozen teacher's weights.
- vendor/: TF.js 4.22 and its backends, for index.html.
`;
}
