import { pgSchemaUrl } from './helpers/db.js';
import { describeSearch } from './search.cases.js';

describeSearch('PostgreSQL', () => pgSchemaUrl('srch'));
