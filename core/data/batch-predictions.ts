// The predictions CSV a batch writes: one record per input row with its row number (and the id column
// when asked), the predicted class and each class's probability, in the spec's class order.
export function predictionsHeader(classes: readonly string[], idColumn?: string): string[] {
  return ['row', ...(idColumn === undefined ? [] : [idColumn]), 'prediction', ...classes.map((c) => `probability_${c}`)];
}

/**
 * The chunk's records (no header line), probabilities as the float32 values the model gave, written
 * in the fewest digits that read back to the same float32. The predicted class is the first of the
 * most probable ones.
 */
export function predictionRecords(input: {
  classes: readonly string[];
  firstRow: number;
  ids?: readonly string[];
  probabilities: Float32Array;
}): string {
  const { classes, firstRow, ids, probabilities } = input;
  const k = classes.length;
  const rows = probabilities.length / k;
  const classCells = classes.map(csvField);
  let text = '';
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let cells = '';
    for (let c = 0; c < k; c++) {
      const p = probabilities[r * k + c]!;
      if (p > probabilities[r * k + best]!) best = c;
      cells += `,${float32Text(p)}`;
    }
    text += `${firstRow + r}${ids ? `,${csvField(ids[r]!)}` : ''},${classCells[best]}${cells}\n`;
  }
  return text;
}

/** A field as toCsv writes it: quoted when it holds a quote, comma, CR or LF. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const MIN_NORMAL_FLOAT32 = 2 ** -126;

/** The shortest decimal that reads back (as a float32) to `value`. */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // For a normal float32, a decimal of fewer than six digits that reads back lies within half a
  // float32 step (2^-24 relative) of the value, far inside half a unit of the sixth digit, so
  // rounding to six digits finds it too (Number drops the trailing zeros); nine always read back.
  // Reading back holds from some digit count on, so two tries find the shortest of six to nine.
  const reads = (digits: number) => {
    const text = Number(value.toPrecision(digits));
    return Math.fround(text) === value ? String(text) : undefined;
  };
  // Subnormals carry fewer bits, and so fewer digits: search them all.
  if (value !== 0 && Math.abs(value) < MIN_NORMAL_FLOAT32) {
    for (let digits = 1; digits < 9; digits++) {
      const text = reads(digits);
      if (text !== undefined) return text;
    }
  }
  const seven = reads(7);
  if (seven !== undefined) return reads(6) ?? seven;
  return reads(8) ?? String(Number(value.toPrecision(9)));
}
