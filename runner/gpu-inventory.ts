// The GPUs of the runner's host, as nvidia-smi reports them; none where nvidia-smi is absent.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface Gpu {
  index: number;
  name: string;
  memoryMiB: number;
}

export async function detectGpus(nvidiaSmi = 'nvidia-smi'): Promise<Gpu[]> {
  try {
    const { stdout } = await promisify(execFile)(nvidiaSmi, ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], { timeout: 10_000 });
    return parseNvidiaSmi(stdout);
  } catch {
    return [];
  }
}

export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((field) => field.trim()))
    .filter((fields) => fields.length >= 3 && fields[0] !== '')
    .map(([index, name, memory]) => ({ index: Number(index), name: name!, memoryMiB: Number(memory) }));
}
