import { pgSchemaUrl } from './helpers/db.js';
import { describeTracking } from './tracking.cases.js';

describeTracking('PostgreSQL', () => pgSchemaUrl('trk'));
