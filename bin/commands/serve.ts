import type { Command } from 'commander';
import { serve } from '../../lib/serve.js';

interface ServeFlags {
  port: string;
  host: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve an exported model (segvit export) with the example page on a local web server: drop an image, or pick a ' +
        'validation image, and see it segmented in the browser (overlay, legend, backend, ms per image)',
    )
    .argument('<dir>', 'the export folder (model.json, weights.safetensors, samples/)')
    .option('--port <n>', 'TCP port (0: any free one)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit export configs/demo/digits_swin-nano_upernet.json work_dirs/digits_swin-nano_upernet --out web/digits' +
        '\n  $ segvit serve web/digits --port 8080\n  then open http://127.0.0.1:8080/ (?backend=wasm|webgl|webgpu picks the backend)',
    )
    .action(async (dir: string, flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${flags.port}: must be a whole number 0..65535`);
      const { url } = await serve({
        modelDir: dir,
        port,
        host: flags.host,
        onMissing: (path, why) => process.stderr.write(`404 ${path} (${why})\n`),
      });
      console.log(`serving ${dir} with the example page at ${url} (Ctrl-C stops)`);
    });
}
