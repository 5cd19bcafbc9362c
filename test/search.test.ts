import { describeSearch } from './search.cases.js';

describeSearch('SQLite', () => undefined);
