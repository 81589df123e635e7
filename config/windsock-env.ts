// Windsock's environment, parsed once at each process's entry. Every default is embedded and local;
// each one is a variable away from its scaled counterpart (Temporal cluster/Cloud, Turso/sqld, ...).
import path from 'node:path';
import { z } from 'zod';
import { parseDatasetHosts } from '../artifacts/dataset-sources';
import { defaultDatasetRoots, parseDatasetRoots } from '../artifacts/dataset-roots';
import { projectRoot } from './project-root';

const port = z.coerce.number().int().min(1).max(65535);

export const windsockEnvSchema = z.object({
  WINDSOCK_HOME: z.string().default('.windsock'),
  WINDSOCK_REGISTRY_URL: z.string().optional(),
  WINDSOCK_REGISTRY_AUTH_TOKEN: z.string().optional(),
  WINDSOCK_ARTIFACTS_DIR: z.string().optional(),
  WINDSOCK_API_PORT: port.default(8080),
  WINDSOCK_API_HOST: z.string().default('127.0.0.1'),
  WINDSOCK_TOKENS: z.string().optional(),
  WINDSOCK_TASK_QUEUE: z.string().default('windsock-pipelines'),
  WINDSOCK_PYTHON: z.string().optional(),
  /** More host variables local jobs may see, comma-separated (`NAME` or `PREFIX_*`); see activities/compute/job-environment.ts. */
  WINDSOCK_JOB_ENV_ALLOW: z.string().optional(),
  /** Directories datasets may be read from, comma-separated (relative ones to the project); default examples/ and $WINDSOCK_HOME/datasets. */
  WINDSOCK_DATASET_ROOTS: z.string().optional(),
  /** Hosts https:// datasets may come from, comma-separated; none by default (https datasets are refused). */
  WINDSOCK_DATASET_HOSTS: z.string().default(''),
  /** The largest dataset read from object storage or https, in bytes (512 MiB). */
  WINDSOCK_DATASET_MAX_BYTES: z.coerce.number().int().min(1).default(512 * 1024 * 1024),
  /** The largest CSV PUT /v1/datasets/:name takes (413 past it). */
  WINDSOCK_DATASET_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).default(256 * 1024 * 1024),
  /** Artifacts in object storage, `s3://bucket/prefix`; unset: the local directory (WINDSOCK_ARTIFACTS_DIR). */
  WINDSOCK_ARTIFACTS_URL: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'an s3://bucket/prefix URI (bucket: 3-63 lowercase letters, digits, dots, hyphens)')
    .optional(),
  /** An S3-compatible endpoint (R2, MinIO, versitygw), addressed path-style; unset: AWS S3. */
  WINDSOCK_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'an http(s):// URL, e.g. http://127.0.0.1:7070' })
    .refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), 'no user:password@ in the URL: the credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
    .optional(),
  WINDSOCK_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Object-storage credentials (artifacts and s3:// datasets), the standard AWS variables; never passed to jobs. */
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  WINDSOCK_NOTIFY_WEBHOOK: z.url().optional(),
  /** Signs every webhook (HMAC-SHA256); required when WINDSOCK_NOTIFY_WEBHOOK is set. */
  WINDSOCK_WEBHOOK_SECRET: z.string().min(16, 'use at least 16 characters, e.g. `openssl rand -hex 32`').optional(),
  WINDSOCK_CODE_VERSION: z.string().optional(),
  /** Activities one worker runs at once (training jobs included). */
  WINDSOCK_MAX_ACTIVITIES: z.coerce.number().int().min(1).default(20),
  /**
   * The compute profile of jobs that name none: `local`, `runner` or a WINDSOCK_COMPUTE_PROFILES name.
   * Default: `runner` when WINDSOCK_RUNNER_URL is set, else `local`.
   */
  WINDSOCK_COMPUTE: z.string().optional(),
  /** A Windsock job runner (`npm run runner` on a GPU host): defines the compute profile `runner`. */
  WINDSOCK_RUNNER_URL: z.url().optional(),
  /** The runner's bearer token; defaults to the token file of a runner on this host. */
  WINDSOCK_RUNNER_TOKEN: z.string().optional(),
  /** More runners by profile name, as JSON: {"a100": {"url": "http://gpu-a:8790", "token": "..."}}. */
  WINDSOCK_COMPUTE_PROFILES: z.string().optional(),
  /** The longest wait between polls of a running training job. */
  WINDSOCK_JOB_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** The serving side's admin routes (the edge, or Node serving); unset means no edge: no rollouts. */
  WINDSOCK_EDGE_URL: z.url().optional(),
  /** A token with the admin role at the edge; defaults to the first admin principal's. */
  WINDSOCK_EDGE_TOKEN: z.string().optional(),
  /** The control plane's Ed25519 private key (base64 PKCS#8): publishes and traffic changes are signed with it. */
  WINDSOCK_CHANGE_SIGNING_KEY: z.string().optional(),
  /** Serving's copy of the matching public key (base64 raw): it takes only changes signed with the private key. */
  WINDSOCK_CHANGE_PUBLIC_KEY: z.string().optional(),
  /** An MLflow tracking server: each training run and trial is logged there (best effort). Unset: no tracking. */
  WINDSOCK_MLFLOW_TRACKING_URI: z
    .url({ protocol: /^https?$/, error: 'an http(s):// URL of an MLflow tracking server, e.g. http://127.0.0.1:5000' })
    .refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), 'no user:password@ in the URL: use WINDSOCK_MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD')
    .optional(),
  /** Sent to MLflow as a bearer token; or MLflow's own basic-auth variables below. Never logged. */
  WINDSOCK_MLFLOW_TRACKING_TOKEN: z.string().min(1).optional(),
  MLFLOW_TRACKING_USERNAME: z.string().min(1).optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.stringbool().default(false),
}).superRefine((env, ctx) => {
  // Checked here so that a half-configured object store fails at start, naming what is missing.
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY) ctx.addIssue({ code: 'custom', path: ['AWS_SECRET_ACCESS_KEY'], message: 'required when AWS_ACCESS_KEY_ID is set' });
  if (env.AWS_SECRET_ACCESS_KEY && !env.AWS_ACCESS_KEY_ID) ctx.addIssue({ code: 'custom', path: ['AWS_ACCESS_KEY_ID'], message: 'required when AWS_SECRET_ACCESS_KEY is set' });
  if (env.MLFLOW_TRACKING_USERNAME && !env.MLFLOW_TRACKING_PASSWORD) ctx.addIssue({ code: 'custom', path: ['MLFLOW_TRACKING_PASSWORD'], message: 'required when MLFLOW_TRACKING_USERNAME is set' });
  if (env.MLFLOW_TRACKING_PASSWORD && !env.MLFLOW_TRACKING_USERNAME) ctx.addIssue({ code: 'custom', path: ['MLFLOW_TRACKING_USERNAME'], message: 'required when MLFLOW_TRACKING_PASSWORD is set' });
  if (env.WINDSOCK_ARTIFACTS_URL && !env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY) {
    ctx.addIssue({ code: 'custom', path: ['AWS_ACCESS_KEY_ID'], message: 'WINDSOCK_ARTIFACTS_URL needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' });
  }
});

export type WindsockEnv = z.infer<typeof windsockEnvSchema> & {
  /** Absolute paths derived from WINDSOCK_HOME. */
  home: string;
  registryUrl: string;
  artifactsDir: string;
  datasetRoots: string[];
  /** WINDSOCK_DATASET_HOSTS as lowercase host names. */
  datasetHosts: string[];
  /** Where object-storage blobs are downloaded for onnxruntime and jobs. */
  blobCacheDir: string;
};

export class ConfigError extends Error {}

export function loadWindsockEnv(env: NodeJS.ProcessEnv = process.env): WindsockEnv {
  const parsed = windsockEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const home = path.resolve(parsed.data.WINDSOCK_HOME);
  return {
    ...parsed.data,
    home,
    registryUrl: parsed.data.WINDSOCK_REGISTRY_URL ?? `file:${path.join(home, 'registry.db')}`,
    artifactsDir: path.resolve(parsed.data.WINDSOCK_ARTIFACTS_DIR ?? path.join(home, 'artifacts')),
    datasetRoots: parsed.data.WINDSOCK_DATASET_ROOTS ? parseDatasetRoots(parsed.data.WINDSOCK_DATASET_ROOTS, projectRoot) : defaultDatasetRoots(projectRoot, home),
    datasetHosts: parseDatasetHosts(parsed.data.WINDSOCK_DATASET_HOSTS),
    blobCacheDir: path.join(home, 'cache', 'blobs'),
  };
}
