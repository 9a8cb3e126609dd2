import { packageTestConfig } from '../../vitest.shared.js';

// The suite waits real time for expiry; files run one at a time so timings stay honest.
export default packageTestConfig();
