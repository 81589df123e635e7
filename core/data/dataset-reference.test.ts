import { describe, expect, it } from 'vitest';
import { formatDatasetReference, parseDatasetReference } from './dataset-reference';

describe('dataset references', () => {
  it('reads dataset://name and dataset://name/version, and writes the pinned form', () => {
    expect(parseDatasetReference('dataset://iris')).toEqual({ name: 'iris' });
    expect(parseDatasetReference('dataset://iris.v2_x-y/12')).toEqual({ name: 'iris.v2_x-y', version: 12 });
    expect(formatDatasetReference('iris', 3)).toBe('dataset://iris/3');
  });

  it.each(['iris', 'file:///data.csv', 'dataset://', 'dataset://Iris', 'dataset://iris/0', 'dataset://iris/01', 'dataset://iris/1/2', 'dataset://iris/', 'dataset://../x', `dataset://${'a'.repeat(65)}`, 'dataset://iris/1234567890'])(
    '%s is not one',
    (reference) => {
      expect(parseDatasetReference(reference)).toBeUndefined();
    },
  );
});
