// One-off generator kept for adding packages: writes the per-package boilerplate files.
import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
const [dir, name, description, kind] = process.argv.slice(2);
const tfjs = kind !== 'notf';
const pkg = {
  name: `@momentum-smoe/${name}`,
  version: '0.1.0',
  description,
  type: 'module',
  license: 'MIT',
  sideEffects: false,
  exports: {
    '.': { '@momentum-smoe/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src'],
  engines: { node: '>=20' },
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json',
    test: 'vitest run',
    lint: 'publint --strict && attw --pack . --profile esm-only --quiet',
  },
  ...(tfjs ? { peerDependencies: { '@tensorflow/tfjs': '^4.22.0' } } : {}),
  devDependencies: tfjs ? { '@tensorflow/tfjs': '4.22.0' } : {},
};
mkdirSync(dir, { recursive: true });
const w = (f, s) => {
  if (!existsSync(`${dir}/${f}`)) writeFileSync(`${dir}/${f}`, s);
};
w('package.json', JSON.stringify(pkg, null, 2) + '\n');
const up = dir
  .split('/')
  .map(() => '..')
  .join('/');
w(
  'tsconfig.json',
  JSON.stringify({ extends: `${up}/tsconfig.base.json`, include: ['src', 'test', 'bench'] }, null, 2) + '\n',
);
w('tsconfig.build.json', JSON.stringify({ extends: `${up}/tsconfig.build.base.json` }, null, 2) + '\n');
w(
  'vitest.config.ts',
  `import { packageProject } from '${up}/vitest.shared.js';\n\nexport default packageProject('${name}');\n`,
);
w(
  'typedoc.json',
  JSON.stringify(
    { $schema: 'https://typedoc.org/schema.json', entryPoints: ['src/index.ts'], readme: 'README.md' },
    null,
    2,
  ) + '\n',
);
