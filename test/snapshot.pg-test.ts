import { dropPgSchema, pgSchemaUrl } from './helpers/db.js';
import { describeSnapshots } from './snapshot.cases.js';

describeSnapshots('PostgreSQL', () => pgSchemaUrl('snap'), dropPgSchema);
