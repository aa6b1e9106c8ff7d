export const name = 'train';
