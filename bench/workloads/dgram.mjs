// dgram.createSocket + close, unbound (a kind added after the first release).
import dgram from 'node:dgram';
import { measureSync } from './measure.mjs';

measureSync(20_000, () => dgram.createSocket('udp4').close());
