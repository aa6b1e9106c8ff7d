import { packageProject } from '../../vitest.shared.ts';

// The tests run in Node (the Node entries of the packages) and drive the built page in Chromium.
export default packageProject('web');
