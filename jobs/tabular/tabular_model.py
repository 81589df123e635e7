"""The built-in trainer's network: preprocessing of raw feature rows, encoded as toFeatureMatrix
(core/data/dataset-validation.ts) does, followed by an MLP. The preprocessing is a module of the
network, so the exported ONNX graph takes the raw rows that serving and evaluation send.

Preprocessing, per the dataset spec's columns (all of it opset-13 ops that onnxruntime-web runs:
Gather, IsNaN, Where, Sub, Div, Clip, Equal, Cast, Concat):
  numeric columns      a NaN becomes the training mean; then (x - mean) / std with the training
                       statistics, clipped to +-CLIP so that an infinite or absurd value cannot
                       turn the probabilities into NaN
  categorical columns  one-hot: the column compared with the constants 0..k-1, so a NaN, an index
                       out of range or a fractional index gives all zeros (no error at inference)
  nullable columns     one more 0/1 input each: "the value was missing" (for a categorical column
                       this is its "missing" category; for a numeric one it tells an imputed mean
                       from a real one)
"""
import numpy as np

# Standardised values are clipped to this many standard deviations.
CLIP = 1e4


def fit_standardisation(X, numeric_idx):
    """Mean and std of each numeric column over its non-null values (all null: 0 and 1; constant: std 1)."""
    if not numeric_idx:
        return np.zeros(0), np.ones(0)
    cols = X[:, numeric_idx]
    present = ~np.isnan(cols)
    count = present.sum(axis=0)
    safe = np.where(present, cols, 0.0)
    mean = np.divide(safe.sum(axis=0), count, out=np.zeros(len(numeric_idx)), where=count > 0)
    sq = np.where(present, (cols - mean) ** 2, 0.0).sum(axis=0)
    var = np.divide(sq, count, out=np.zeros(len(numeric_idx)), where=count > 0)
    std = np.sqrt(var)
    return mean, np.where(std > 1e-12, std, 1.0)


def build_network(torch, columns, mean, std, hidden, n_classes):
    """nn.Sequential(preprocessing, mlp): raw rows [batch, len(columns)] -> logits [batch, n_classes]."""
    nn = torch.nn

    class Preprocess(nn.Module):
        def __init__(self):
            super().__init__()
            numeric = [i for i, c in enumerate(columns) if not c.categorical]
            onehot_cols, codes = [], []
            for i, c in enumerate(columns):
                if c.categorical:
                    onehot_cols += [i] * len(c.categories)
                    codes += range(len(c.categories))
            nullable = [i for i, c in enumerate(columns) if c.nullable]
            self.parts = (bool(numeric), bool(onehot_cols), bool(nullable))
            self.out_features = len(numeric) + len(onehot_cols) + len(nullable)
            self.register_buffer("numeric_idx", torch.tensor(numeric, dtype=torch.int64))
            self.register_buffer("mean", torch.as_tensor(np.asarray(mean), dtype=torch.float32).clone())
            self.register_buffer("std", torch.as_tensor(np.asarray(std), dtype=torch.float32).clone())
            self.register_buffer("onehot_idx", torch.tensor(onehot_cols, dtype=torch.int64))
            self.register_buffer("codes", torch.tensor(codes, dtype=torch.float32))
            self.register_buffer("nullable_idx", torch.tensor(nullable, dtype=torch.int64))

        def forward(self, x):
            has_numeric, has_onehot, has_nullable = self.parts
            out = []
            if has_numeric:
                xn = x.index_select(1, self.numeric_idx)
                xn = torch.where(torch.isnan(xn), self.mean, xn)
                out.append(torch.clamp((xn - self.mean) / self.std, -CLIP, CLIP))
            if has_onehot:
                out.append((x.index_select(1, self.onehot_idx) == self.codes).to(x.dtype))
            if has_nullable:
                out.append(torch.isnan(x.index_select(1, self.nullable_idx)).to(x.dtype))
            return out[0] if len(out) == 1 else torch.cat(out, dim=1)

    preprocess = Preprocess()
    layers, width = [], preprocess.out_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(preprocess, nn.Sequential(*layers))
