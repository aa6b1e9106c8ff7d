/**
 * ImageNet: ILSVRC-2012 layouts, JPEG decoding and transforms, the prefetching batch loader, ImageNet-A/R/C
 * and corruption generation. Everything yields typed arrays (NHWC Float32 images, Int32 labels).
 * @module
 */
export * from './random.js';
export * from './image-set.js';
export * from './synsets.js';
export * from './validation.js';
export * from './ilsvrc.js';
export * from './geometry.js';
export * from './image-header.js';
export * from './transforms.js';
export * from './prefetch.js';
export * from './loader.js';
export * from './subsets.js';
export * from './imagenet-c.js';
export * from './mce.js';
export * from './filters.js';
export * from './corruptions.js';
export * from './write-corrupted.js';
export * from './randaugment/index.js';
export * from './mixup.js';
