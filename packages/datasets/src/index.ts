/**
 * `@momentum-smoe/datasets`: data without tfjs. Loaders yield typed arrays that the app turns into tensors.
 * @packageDocumentation
 */
export * from './wikitext/index.js';
export * from './imagenet/index.js';
export * from './embedded/index.js';
