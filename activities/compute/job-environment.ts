// What a training job sees of its host's environment: an allow-list of the variables a Python/CUDA job
// needs (PATH, locale, thread counts, CUDA, proxies, caches), extended by WINDSOCK_JOB_ENV_ALLOW. The
// worker's and the runner's own configuration (tokens, keys, secrets) never reaches a job: WINDSOCK_*
// and TEMPORAL_* host variables are withheld even when listed.
export const DEFAULT_JOB_ENV_ALLOW: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR', 'TERM',
  'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'LD_LIBRARY_PATH',
  'CUDA_*', 'NVIDIA_*', 'NCCL_*', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
  'HF_HOME', 'TORCH_HOME', 'XDG_CACHE_HOME', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

const WITHHELD = /^(WINDSOCK_|TEMPORAL_)/;

/** WINDSOCK_JOB_ENV_ALLOW: more names, comma-separated; `PREFIX_*` allows a family. */
export function jobEnvAllowFrom(value: string | undefined): string[] {
  const extra = (value ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  return [...DEFAULT_JOB_ENV_ALLOW, ...extra];
}

/** The host variables a job may see, per the allow-list. */
export function hostEnvForJob(host: NodeJS.ProcessEnv, allow: readonly string[]): Record<string, string> {
  const exact = new Set(allow.filter((name) => !name.endsWith('*')));
  const prefixes = allow.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value === undefined || WITHHELD.test(name)) continue;
    if (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return env;
}
