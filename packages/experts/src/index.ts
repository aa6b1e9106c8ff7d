export const name = 'experts';
