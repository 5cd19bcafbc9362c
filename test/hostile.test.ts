import { describeHostile } from './hostile.cases.js';

describeHostile('SQLite', () => ({}));
