import { pgSchemaUrl } from './helpers/db.js';
import { describeRollupConsistency } from './rollup-consistency.cases.js';

describeRollupConsistency('PostgreSQL', () => pgSchemaUrl('roll'));
