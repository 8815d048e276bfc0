import { errorText } from '../../state/engine-ready';

/** Why the camera could not start, in words a visitor understands. */
export function cameraErrorMessage(err: unknown): string {
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera permission was denied. Allow the camera for this page in the browser (address bar icon) and try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Connect a camera and press Start again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another application or could not be started.';
    default:
      return `The camera could not be started: ${errorText(err)}`;
  }
}
