export const name = 'models';
