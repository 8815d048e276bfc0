// CLI of the speed benchmark: `npm run bench:speed -- [flags]` (see --help; scripts/speed/main.ts).
// Awaited at the top level: vite-node closes its module server once this module has evaluated, and the
// benchmark imports its host on demand.
import { runCli } from './bench/cli';
import { speedMain } from './speed/main';

await runCli('bench:speed', speedMain);
