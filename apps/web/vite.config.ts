import { defaultClientConditions, defineConfig } from 'vite';

// The workspace packages are bundled from source (their `@momentum-smoe/source` condition, then `browser`), so the
// page needs no package build; `base: './'` makes the static build work from any folder of any file server.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@momentum-smoe/source', ...defaultClientConditions] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
