// Worker-thread entry when msmoe runs from its TypeScript sources (tests, development): worker threads take no
// TypeScript loader from the parent, so this loads the real entry through tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./dp-worker.ts', import.meta.url);
