import { describe, expect, it } from 'vitest';
import { detectGpus, parseNvidiaSmi } from '../../runner/gpu-inventory';

describe('GPU inventory', () => {
  it("parses nvidia-smi's csv", () => {
    expect(parseNvidiaSmi('0, NVIDIA A100-SXM4-40GB, 40960\n1, NVIDIA A100-SXM4-40GB, 40960\n')).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960 },
      { index: 1, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960 },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('finds no GPUs where nvidia-smi is absent', async () => {
    expect(await detectGpus('/nonexistent/nvidia-smi')).toEqual([]);
  });
});
