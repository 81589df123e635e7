import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from './csv';
import { float32Text, predictionRecords, predictionsHeader } from './batch-predictions';

describe('batch predictions', () => {
  it('writes the row number, the id, the most probable class and each probability', () => {
    const probabilities = new Float32Array([0.25, 0.75, 0.9, 0.1, 0.5, 0.5]);
    const text = predictionRecords({ classes: ['no', 'yes, surely'], firstRow: 11, ids: ['a', 'b,c', 'd'], probabilities });
    const table = parseCsv(toCsv(predictionsHeader(['no', 'yes, surely'], 'customer'), []) + text);
    expect(table.header).toEqual(['row', 'customer', 'prediction', 'probability_no', 'probability_yes, surely']);
    expect(table.rows).toEqual([
      ['11', 'a', 'yes, surely', '0.25', '0.75'],
      ['12', 'b,c', 'no', '0.9', '0.1'],
      ['13', 'd', 'no', '0.5', '0.5'],
    ]);
  });

  it('writes a float32 in the fewest digits that read back to it', () => {
    for (const value of [0.1, 1 / 3, 1e-8, 0.999999, 0, 1, 123.456]) {
      const f = Math.fround(value);
      const text = float32Text(f);
      expect(Math.fround(Number(text))).toBe(f);
      expect(text.replace(/^0\.|e.*$/g, '').replace('.', '').length).toBeLessThanOrEqual(9);
    }
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    // The shortest, whatever its length: checked against every digit count on random float32 values.
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    for (let i = 0; i < 20_000; i++) {
      bits[0] = (Math.imul(i, 2654435761) >>> 0) & 0x7f7fffff;
      const f = asFloat[0]!;
      if (!Number.isFinite(f)) continue;
      let shortest = '';
      for (let d = 1; d <= 9; d++) {
        const text = String(Number(f.toPrecision(d)));
        if (Math.fround(Number(text)) === f) {
          shortest = text;
          break;
        }
      }
      expect(float32Text(f)).toBe(shortest);
    }
  });
});
