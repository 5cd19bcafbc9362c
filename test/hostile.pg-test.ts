import { pgSchemaUrl } from './helpers/db.js';
import { describeHostile } from './hostile.cases.js';

// makeTestApp drops the schema when it closes.
describeHostile('PostgreSQL', () => ({ databaseUrl: pgSchemaUrl('hostile') }));
