// A version's model card: what it is for, the data it learnt from, how it was trained, how it
// evaluated against its gate, who approved it, how it rolled out, and how it serves now. Built from
// the registry's records (and the serving side's, when there is one) as JSON, and rendered as
// Markdown for people.
import { parseCrossValidationMetricName, type CrossValidationRecord } from '../evaluation/cross-validation';
import type { FairnessRecord } from '../evaluation/fairness-metrics';

export interface ModelCardInput {
  model: { name: string; description: string };
  version: {
    version: number;
    status: string;
    statusReason: string | null;
    createdAt: Date;
    createdBy: string;
    pipelineId: string;
    artifactUri: string;
    artifactSha256: string;
    signature: { inputs: Array<{ name: string; datatype: string; shape: readonly number[] }>; outputs: Array<{ name: string; datatype: string; shape: readonly number[] }> };
    metrics: Record<string, number | null>;
    confusionMatrix: number[][];
    /** Per class label: precision, recall, F1, support (absent on versions from before they were kept). */
    classMetrics?: Record<string, Record<string, number>> | null;
    /** Per sensitive feature: the group table and the parity and equalized-odds figures (absent without sensitive features). */
    fairness?: FairnessRecord | null;
    gate: unknown;
    lineage: {
      datasetUri: string;
      templateRevision?: number;
      datasetSha256: string;
      datasetLocation?: string;
      retrainSource?: string;
      codeVersion: string;
      params: Record<string, unknown>;
      computeProvider: string;
      computeJobId: string;
      computeSeconds?: number;
      computeGpuSeconds?: number;
      computeCostUsd?: number;
      jobMetrics?: Record<string, unknown>;
      crossValidation?: CrossValidationRecord;
    };
  };
  approvals: Array<{ principal: string; decision: string; comment: string; decidedAt: Date }>;
  /** The version's audit events, oldest first. */
  events: Array<{ at: Date; actor: string; event: string; details: unknown }>;
  champion: number | null;
  /** What the serving side says now; absent without one (or when it did not answer). */
  serving?: { weight: number; drift?: { driftShare: number; datasetDrift: boolean; sampleSize: number; driftedFeatures: number; evaluatedFeatures: number } | null };
}

export interface ModelCard {
  model: string;
  version: number;
  purpose: string;
  status: { status: string; reason: string | null; champion: boolean };
  data: { uri: string; sha256: string; location?: string; rows?: number; classCounts?: unknown; features: string[]; retrainSource?: string };
  training: { templateRevision?: number; params: Record<string, unknown>; codeVersion: string; compute: { provider: string; jobId: string; seconds?: number; gpuSeconds?: number; costUsd?: number }; createdBy: string; createdAt: string; pipelineId: string };
  artifact: { uri: string; sha256: string; inputs: string[]; outputs: string[] };
  evaluation: {
    metrics: Record<string, number | null>;
    classMetrics: Record<string, Record<string, number>> | null;
    confusionMatrix: number[][];
    fairness: FairnessRecord | null;
    gate: unknown;
    /** k-fold cross-validation on the training split, per metric its mean, std and fold values; null when the template asked for none. */
    crossValidation: CrossValidationRecord | null;
  };
  approvals: Array<{ principal: string; decision: string; comment: string; at: string }>;
  rollout: Array<{ at: string; event: string; actor: string; details: unknown }>;
  serving: ModelCardInput['serving'] | null;
}

const tensor = (t: { name: string; datatype: string; shape: readonly number[] }) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`;

export function buildModelCard(input: ModelCardInput): ModelCard {
  const { model, version: v } = input;
  const lineage = v.lineage;
  const job = lineage.jobMetrics ?? {};
  return {
    model: model.name,
    version: v.version,
    purpose: model.description,
    status: { status: v.status, reason: v.statusReason, champion: input.champion === v.version },
    data: {
      uri: lineage.datasetUri,
      sha256: lineage.datasetSha256,
      ...(lineage.datasetLocation ? { location: lineage.datasetLocation } : {}),
      ...(typeof job.rows === 'number' ? { rows: job.rows } : {}),
      ...(job.class_counts !== undefined ? { classCounts: job.class_counts } : {}),
      features: v.signature.inputs.map(tensor),
      ...(lineage.retrainSource ? { retrainSource: lineage.retrainSource } : {}),
    },
    training: {
      ...(lineage.templateRevision !== undefined ? { templateRevision: lineage.templateRevision } : {}),
      params: lineage.params,
      codeVersion: lineage.codeVersion,
      compute: {
        provider: lineage.computeProvider,
        jobId: lineage.computeJobId,
        ...(lineage.computeSeconds !== undefined ? { seconds: lineage.computeSeconds } : {}),
        ...(lineage.computeGpuSeconds !== undefined ? { gpuSeconds: lineage.computeGpuSeconds } : {}),
        ...(lineage.computeCostUsd !== undefined ? { costUsd: lineage.computeCostUsd } : {}),
      },
      createdBy: v.createdBy,
      createdAt: v.createdAt.toISOString(),
      pipelineId: v.pipelineId,
    },
    artifact: { uri: v.artifactUri, sha256: v.artifactSha256, inputs: v.signature.inputs.map(tensor), outputs: v.signature.outputs.map(tensor) },
    evaluation: { metrics: v.metrics, classMetrics: v.classMetrics ?? null, confusionMatrix: v.confusionMatrix, fairness: v.fairness ?? null, gate: v.gate, crossValidation: lineage.crossValidation ?? null },
    approvals: input.approvals.map((a) => ({ principal: a.principal, decision: a.decision, comment: a.comment, at: a.decidedAt.toISOString() })),
    rollout: input.events.filter((e) => e.event.startsWith('rollout.') || e.event === 'model.rolled_back' || e.event.startsWith('champion.')).map((e) => ({ at: e.at.toISOString(), event: e.event, actor: e.actor, details: e.details })),
    serving: input.serving ?? null,
  };
}

/** Markdown that reads top to bottom; table cells escape the characters that would break a row. */
export function renderModelCardMarkdown(card: ModelCard): string {
  const cell = (value: unknown) => String(value ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const number = (value: number | null | undefined) => (value === null || value === undefined ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(4));
  const lines: string[] = [
    `# ${card.model} v${card.version}`,
    '',
    card.purpose || '_No description._',
    '',
    `Status: **${card.status.status}**${card.status.champion ? ' (champion)' : ''}${card.status.reason ? `: ${card.status.reason}` : ''}`,
    '',
    '## Data',
    '',
    `- Dataset: \`${card.data.uri}\` (sha256 \`${card.data.sha256}\`)${card.data.rows !== undefined ? `, ${card.data.rows} training rows` : ''}`,
    ...(card.data.location ? [`- Picked from \`${card.data.location}\`${card.data.retrainSource ? ` for a ${card.data.retrainSource} retrain` : ''}`] : []),
    ...(card.data.classCounts !== undefined ? [`- Class counts: \`${JSON.stringify(card.data.classCounts)}\``] : []),
    `- Inputs: ${card.data.features.map((f) => `\`${f}\``).join(', ')}`,
    '',
    '## Training',
    '',
    ...(card.training.templateRevision !== undefined ? [`- Template revision ${card.training.templateRevision}`] : []),
    `- Code version \`${card.training.codeVersion}\`, pipeline \`${card.training.pipelineId}\`, submitted by ${card.training.createdBy} on ${card.training.createdAt}`,
    `- Compute: ${card.training.compute.provider} job \`${card.training.compute.jobId}\`${card.training.compute.seconds !== undefined ? `, ${number(card.training.compute.seconds)} s` : ''}${card.training.compute.costUsd !== undefined ? `, $${card.training.compute.costUsd.toFixed(4)}` : ''}`,
    `- Parameters: \`${JSON.stringify(card.training.params)}\``,
    '',
    '## Evaluation (holdout)',
    '',
    '| metric | value |',
    '|---|---|',
    // The cv_* figures have a section of their own below, with each fold's value.
    ...Object.entries(card.evaluation.metrics)
      .filter(([name]) => !card.evaluation.crossValidation || parseCrossValidationMetricName(name) === undefined)
      .map(([name, value]) => `| ${cell(name)} | ${number(value)} |`),
    ...classMetricLines(card.evaluation.classMetrics, cell, number),
    '',
    'Confusion matrix (rows: true class, columns: predicted):',
    '',
    ...card.evaluation.confusionMatrix.map((row) => `    ${row.join('\t')}`),
    '',
    `Gate: \`${JSON.stringify(card.evaluation.gate)}\``,
    '',
    ...crossValidationLines(card.evaluation.crossValidation, cell, number),
    ...fairnessLines(card.evaluation.fairness, cell, number),
    '## Approvals',
    '',
    ...(card.approvals.length ? card.approvals.map((a) => `- ${a.decision} by ${a.principal} on ${a.at}${a.comment ? `: ${cell(a.comment)}` : ''}`) : ['_None yet._']),
    '',
    '## Rollout',
    '',
    ...(card.rollout.length ? ['| at | event | by |', '|---|---|---|', ...card.rollout.map((e) => `| ${e.at} | ${cell(e.event)} | ${cell(e.actor)} |`)] : ['_Not rolled out._']),
    '',
    '## Serving',
    '',
    card.serving
      ? `- Traffic weight now: ${card.serving.weight}%` + (card.serving.drift ? `\n- Drift over the last hour: ${number(card.serving.drift.driftShare)} of ${card.serving.drift.evaluatedFeatures} features drifted (${card.serving.drift.datasetDrift ? 'dataset drift' : 'no dataset drift'}; ${card.serving.drift.sampleSize} rows)` : '\n- Drift: no traffic to judge in the last hour')
      : '_No serving side configured, or it did not answer._',
    '',
  ];
  return lines.join('\n');
}

/** The per-class table: one row per class label, the metrics as columns. */
function classMetricLines(
  classMetrics: ModelCard['evaluation']['classMetrics'],
  cell: (value: unknown) => string,
  number: (value: number | null | undefined) => string,
): string[] {
  const rows = Object.entries(classMetrics ?? {});
  if (rows.length === 0) return [];
  const columns = [...new Set(rows.flatMap(([, metrics]) => Object.keys(metrics)))];
  return [
    '',
    'Per class:',
    '',
    `| class | ${columns.map(cell).join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
    ...rows.map(([label, metrics]) => `| ${cell(label)} | ${columns.map((c) => number(metrics[c])).join(' | ')} |`),
  ];
}

/** The Fairness section, when the version has sensitive features: per feature, a row per group and the between-group figures. */
function fairnessLines(
  fairness: ModelCard['evaluation']['fairness'],
  cell: (value: unknown) => string,
  number: (value: number | null | undefined) => string,
): string[] {
  const features = Object.entries(fairness?.features ?? {});
  if (fairness === null || features.length === 0) return [];
  const selection = fairness.favorableClass !== null;
  const lines = [
    '## Fairness (holdout)',
    '',
    selection
      ? `Favourable class \`${cell(fairness.favorableClass)}\`: a group's selection rate is the share of it predicted as that class; ` +
        'TPR and FPR are the shares of its rows of that class, and of the others, predicted as it.'
      : 'No favourable class (a multi-class target that names none), so groups are compared by accuracy only.',
  ];
  for (const [feature, f] of features) {
    const groups = Object.entries(f.groups);
    lines.push(
      '',
      `### ${cell(feature)}`,
      '',
      selection ? '| group | rows | accuracy | selection rate | positives | TPR | FPR |' : '| group | rows | accuracy |',
      selection ? '|---|---|---|---|---|---|---|' : '|---|---|---|',
      ...groups.map(([group, g]) =>
        selection
          ? `| ${cell(group)} | ${g.rows} | ${number(g.accuracy)} | ${number(g.selection_rate)} | ${number(g.positives)} | ${number(g.true_positive_rate)} | ${number(g.false_positive_rate)} |`
          : `| ${cell(group)} | ${g.rows} | ${number(g.accuracy)} |`,
      ),
      '',
      `- Lowest group accuracy: ${number(f.accuracy_min_group)} (difference ${number(f.accuracy_difference)})`,
      ...(selection
        ? [
            `- Demographic parity difference: ${number(f.demographic_parity_difference)} (ratio ${number(f.demographic_parity_ratio)})`,
            `- Equalized odds difference: ${number(f.equalized_odds_difference)} (ratio ${number(f.equalized_odds_ratio)})`,
          ]
        : []),
    );
  }
  lines.push('');
  return lines;
}

/** The Cross-validation section: per metric its mean and standard deviation over the folds, and each fold's value. */
function crossValidationLines(
  cv: ModelCard['evaluation']['crossValidation'],
  cell: (value: unknown) => string,
  number: (value: number | null | undefined) => string,
): string[] {
  if (cv === null) return [];
  const folds = Array.from({ length: cv.folds }, (_, i) => `fold ${i + 1}`);
  return [
    '## Cross-validation (training split)',
    '',
    `${cv.folds} ${cv.stratified ? 'stratified ' : ''}folds (seed ${cv.seed})${cv.validationRows ? `, validating on ${cv.validationRows.join(', ')} rows` : ''}; ` +
      'the gate names these as `cv_<metric>_mean` and `cv_<metric>_std` (sample standard deviation).',
    '',
    `| metric | mean | std | ${folds.join(' | ')} |`,
    `|---|---|---|${folds.map(() => '---|').join('')}`,
    ...Object.entries(cv.metrics).map(([name, m]) => `| ${cell(name)} | ${number(m.mean)} | ${number(m.std)} | ${m.values.map(number).join(' | ')} |`),
    '',
  ];
}
