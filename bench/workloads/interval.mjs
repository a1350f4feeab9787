// setInterval + clearInterval.
import { measureSync } from './measure.mjs';

const tick = () => {};
measureSync(100_000, () => clearInterval(setInterval(tick, 1000)));
