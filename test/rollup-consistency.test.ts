import { describeRollupConsistency } from './rollup-consistency.cases.js';

describeRollupConsistency('SQLite', () => undefined);
