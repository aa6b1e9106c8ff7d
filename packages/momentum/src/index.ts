export const name = 'momentum';
