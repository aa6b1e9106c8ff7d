// Packs every library package, installs the tarballs (with tfjs as their peer) into an empty project outside the
// workspace, and runs the example block (```ts example or ```js example) of each package's README there. Users install packages one by one:
// this proves the published artefacts work on their own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

run('pnpm', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], root);
const work = mkdtempSync(join(tmpdir(), 'msmoe-pack-'));
const packages = readdirSync(join(root, 'packages')).sort();
const tarballs = packages.map((p) => {
  const out = run('pnpm', ['pack', '--pack-destination', work], join(root, 'packages', p))
    .trim()
    .split('\n')
    .at(-1);
  return out.startsWith('/') ? out : join(work, out);
});
const app = join(work, 'app');
execFileSync('mkdir', ['-p', app]);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }));
run(
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--loglevel=error',
    ...tarballs,
    '@tensorflow/tfjs@4.22.0',
  ],
  app,
);

let failed = 0;
for (const p of packages) {
  const readme = readFileSync(join(root, 'packages', p, 'README.md'), 'utf8');
  // The README's example block, in TypeScript or JavaScript, run as an ES module after type stripping.
  const source = readme.match(/```(?:ts|js) example\n([\s\S]*?)```/)?.[1];
  const example =
    source &&
    ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
      .outputText;
  if (!example) {
    console.error(`✗ ${p}: README has no \`\`\`ts example (or js example) block`);
    failed++;
    continue;
  }
  writeFileSync(join(app, `${p}.mjs`), example);
  try {
    const out = run('node', [`${p}.mjs`], app);
    console.log(`✓ ${p}: example ran\n${out.replace(/^/gm, '    ')}`);
  } catch (e) {
    console.error(`✗ ${p}: example failed (${e.message.split('\n')[0]})`);
    failed++;
  }
}
console.log(`pack-check: ${packages.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
