import { pgSchemaUrl } from './helpers/db.js';
import { describeRetention } from './retention.cases.js';

describeRetention('PostgreSQL', () => pgSchemaUrl('ret'));
