import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, serializeSafetensors } from '@momentum-smoe/core';
import { UsageError, helpText, intFlag, parseFlags, type FlagSpecs } from '../args.js';
import { VOCAB_FILE, findRunModels } from '../data/run-models.js';
import { BEST_CHECKPOINT } from '../training/run-options.js';
import type { Command } from './index.js';

const FLAGS: FlagSpecs = {
  run: {
    type: 'string',
    help: 'run folder whose models the page shows (one model, or a default/compare run)',
    default: 'runs/default',
  },
  port: { type: 'string', help: 'port on 127.0.0.1 (0: any free port)', default: '5178' },
  page: { type: 'string', help: 'the web app folder (default: apps/web of this repository)' },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Newest modification time of the files under `dir` (0 when absent). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const s = statSync(dir);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(dir)
      .filter((n) => n !== 'node_modules' && n !== 'dist')
      .map((n) => newest(join(dir, n))),
  );
}

/** Builds the page with Vite when `dist/` is missing or older than its sources or the packages' sources. */
function buildIfNeeded(pageDir: string): string {
  const dist = join(pageDir, 'dist');
  const sources = [
    join(pageDir, 'src'),
    join(pageDir, 'index.html'),
    ...['core', 'datasets', 'models', 'routers', 'experts', 'momentum'].map((p) =>
      join(pageDir, '..', '..', 'packages', p, 'src'),
    ),
  ];
  const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0;
  if (built >= Math.max(...sources.map(newest))) return dist;
  console.error(`building the page (${relative(process.cwd(), pageDir) || pageDir}, vite build)…`);
  const vite = join(
    dirname(createRequire(join(pageDir, 'package.json')).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: pageDir, stdio: 'inherit' });
  return dist;
}

/**
 * The bytes the page loads for a model: a checkpoint without its optimiser moments (a third of the file, so the page
 * starts sooner), other safetensors files as they are.
 */
async function pageWeights(file: string): Promise<Uint8Array> {
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== 'msmoe-checkpoint-1') return readFileSync(file);
  const model = new Map([...tensors].filter(([name]) => name.startsWith('model/')));
  return serializeSafetensors(model, {
    format: metadata.format,
    ...(metadata.state === undefined ? {} : { state: metadata.state }),
  });
}

/** `msmoe web`: builds (if needed) and serves the page on 127.0.0.1 with the models of a run folder. */
export const webCommand: Command = {
  summary: 'serve the web page (generation, routing, robustness in the browser) with a run’s models on 127.0.0.1',
  async run(argv) {
    const flags = parseFlags('web', argv, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe web [--run DIR] [--port N]', this.summary, FLAGS));
    const port = intFlag('web', 'port', flags.port, { min: 0 })!;
    const runDir = resolve(String(flags.run));
    const folders = findRunModels(runDir, 'web');
    for (const f of folders)
      if (!existsSync(join(f, VOCAB_FILE)))
        throw new UsageError(
          `msmoe web: ${join(f, VOCAB_FILE)} is missing (the run predates vocab.txt): ` +
            `retrain it, e.g. msmoe --out ${String(flags.run)}`,
        );
    const pageDir = resolve(
      flags.page === undefined
        ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web')
        : String(flags.page),
    );
    if (!existsSync(join(pageDir, 'index.html')))
      throw new UsageError(
        `msmoe web: no web app at ${pageDir}; run it from the momentum-smoe repository or pass --page DIR`,
      );
    const dist = buildIfNeeded(pageDir);
    const names = folders.map((f) => (f === runDir ? f.replace(/^.*\//, '') : relative(runDir, f)));
    const weights = await Promise.all(folders.map((f) => pageWeights(join(f, BEST_CHECKPOINT))));
    const index = JSON.stringify(names.map((name) => ({ name, url: `models/${name}/` })));
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file: string | null = null;
      if (path === '/models/index.json') {
        res.writeHead(200, { 'content-type': TYPES['.json']! }).end(index);
        return;
      }
      const model = /^\/models\/(.+)\/(best\.safetensors|vocab\.txt)$/.exec(path);
      if (model) {
        const at = names.indexOf(model[1]!);
        if (at >= 0 && model[2] === 'best.safetensors') {
          res
            .writeHead(200, { 'content-type': TYPES['.safetensors']!, 'content-length': weights[at]!.length })
            .end(weights[at]);
          return;
        }
        if (at >= 0) file = join(folders[at]!, VOCAB_FILE);
      } else {
        const candidate = resolve(dist, `.${path.endsWith('/') ? `${path}index.html` : path}`);
        if (candidate.startsWith(dist) && existsSync(candidate) && statSync(candidate).isFile()) file = candidate;
      }
      if (file === null) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        fail(
          e.code === 'EADDRINUSE'
            ? new UsageError(`msmoe web: port ${port} is in use; pass --port N (or --port 0 for any free port)`)
            : e,
        ),
      );
      server.listen(port, '127.0.0.1', ok);
    });
    const { port: bound } = server.address() as { port: number };
    console.log(
      `http://127.0.0.1:${bound}/  ` +
        `(${names.length} model${names.length === 1 ? '' : 's'}: ${names.join(', ')}; Ctrl-C to stop)`,
    );
    await new Promise<void>((done) => {
      process.once('SIGINT', () => server.close(() => done()));
      process.once('SIGTERM', () => server.close(() => done()));
    });
  },
};
