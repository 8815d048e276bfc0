import { afterEach } from 'vitest';
import { yieldToEventLoop } from './event-loop';

// The runner goes from one test to the next without a turn of the event loop, so a file of many
// short TF.js tests otherwise holds it for as long as the whole file runs (event-loop.ts).
afterEach(yieldToEventLoop);
