// Names of datasets uploaded through the API, and the `dataset://name[/version]` references that pick
// one of their versions (pipelines pin a reference to a version when they are submitted).
import { z } from 'zod';

export const DATASET_NAME_RULE = 'lowercase letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit';
export const datasetNamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const datasetName = z.string().regex(datasetNamePattern, DATASET_NAME_RULE);

export const DATASET_SCHEME = 'dataset://';

export interface DatasetReference {
  name: string;
  /** Undefined: the newest version. */
  version?: number;
}

export function isDatasetReference(reference: string): boolean {
  return reference.startsWith(DATASET_SCHEME);
}

/** `dataset://name` or `dataset://name/v`; undefined when the text is neither. */
export function parseDatasetReference(reference: string): DatasetReference | undefined {
  if (!isDatasetReference(reference)) return undefined;
  const match = /^([^/]+)(?:\/([1-9]\d{0,8}))?$/.exec(reference.slice(DATASET_SCHEME.length));
  if (!match || !datasetNamePattern.test(match[1]!)) return undefined;
  return match[2] === undefined ? { name: match[1]! } : { name: match[1]!, version: Number(match[2]) };
}

export function formatDatasetReference(name: string, version: number): string {
  return `${DATASET_SCHEME}${name}/${version}`;
}
