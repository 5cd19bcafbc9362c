/**
 * Labels name the placement a result was shown in ("Product page - Alternatives"); analytics
 * report per label. 1..20 non-empty strings of at most 200 characters; a call that sends none is
 * labelled with its endpoint name. A plain string is one label (never split on commas: labels
 * often contain them).
 */
import { v } from '../api/validate.js';

export const MAX_LABELS = 20;
export const MAX_LABEL_LENGTH = 200;

const label = v.string().trim().min(1, 'labels must be non-empty strings').max(MAX_LABEL_LENGTH, `labels are at most ${MAX_LABEL_LENGTH} characters`);

/** The labels argument: a JSON array of strings, or one string. */
export const labelsArg = () =>
  v.preprocess((v) => (typeof v === 'string' ? [v] : v), v.array(label).min(1, 'at least one label').max(MAX_LABELS, `at most ${MAX_LABELS} labels`), 'one string, as a one-label list (never split on commas)');

/** The labels to record: the ones sent, de-duplicated in order, or the endpoint name. */
export function effectiveLabels(sent: string[] | undefined, endpoint: string): string[] {
  return sent && sent.length > 0 ? [...new Set(sent)] : [endpoint];
}
