import { describe, expect, it } from 'vitest';
import { checkDatasetSample } from './dataset-sample-check';
import { datasetSpecSchema } from './dataset-spec';

const spec = datasetSpecSchema.parse({
  features: [
    { name: 'x', type: 'float', min: 0, max: 10 },
    { name: 'colour', type: 'categorical', categories: ['red', 'blue'] },
  ],
  target: { name: 'y', classes: ['a', 'b'] },
});

describe('checkDatasetSample', () => {
  it('passes rows that fit, however few (row count and class balance wait for validation)', () => {
    expect(checkDatasetSample(spec, 'x,colour,y\n1,red,a\n', false)).toEqual({ rows: 1, problems: [] });
  });

  it('names a missing column, a type, a range and a category problem without quoting values', () => {
    const { rows, problems } = checkDatasetSample(spec, 'x,y\nseven,a\n11,b\n', false);
    expect(rows).toBe(2);
    expect(problems.join('\n')).toMatch(/column colour is missing/);
    const typed = checkDatasetSample(spec, 'x,colour,y\nseven,red,a\n11,green,b\n', false).problems.join('\n');
    expect(typed).toMatch(/x/);
    expect(typed).toMatch(/colour/);
    expect(typed).not.toMatch(/seven|green/);
  });

  it('drops the partial last line of a truncated sample', () => {
    expect(checkDatasetSample(spec, 'x,colour,y\n1,red,a\n2,bl', true)).toEqual({ rows: 1, problems: [] });
  });

  it('reports a file that is not CSV, but not a sample cut inside a quoted field', () => {
    expect(checkDatasetSample(spec, 'x,colour,y\n1,red\n', false).problems[0]).toMatch(/^it is not valid CSV: line 2/);
    expect(checkDatasetSample(spec, 'x,colour,y\n1,"red\n', true)).toEqual({ rows: 0, problems: [] });
  });

  it('checks nothing when the sample holds no whole line', () => {
    expect(checkDatasetSample(spec, 'x,colo', true)).toEqual({ rows: 0, problems: [] });
  });
});
