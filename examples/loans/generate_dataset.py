#!/usr/bin/env python3
"""Write data/loans.csv: a synthetic loan-approval dataset (3,000 applicants) for the fairness example.

Standard library only, seeded, so the committed CSV is byte-for-byte what this script writes:

    python3 examples/loans/generate_dataset.py

Each applicant's sex is drawn first and independently of everything else; income, debt ratio,
credit history and employment are then drawn without looking at it, so no feature is a proxy for
sex by construction. The label (approved / declined) comes from a logistic model of those features
plus a small term for sex (+0.35 on the log-odds for men), standing in for the historical bias a
real lender's decisions carry: 55.8% of men and 50.4% of women are approved.
"""
import csv
import math
import os
import random
import sys

ROWS = 3000
SEED = 20260416
EMPLOYMENT = ["salaried", "self_employed", "contract", "unemployed"]
EMPLOYMENT_WEIGHTS = [0.55, 0.2, 0.17, 0.08]
# Log-odds each employment adds, against salaried.
EMPLOYMENT_EFFECT = {"salaried": 0.0, "self_employed": -0.3, "contract": -0.5, "unemployed": -1.6}
# The historical bias in the labels: log-odds added for men.
MALE_EFFECT = 0.35


def applicant(rng: random.Random) -> list[str]:
    sex = "male" if rng.random() < 0.5 else "female"
    employment = rng.choices(EMPLOYMENT, EMPLOYMENT_WEIGHTS)[0]
    income = round(min(300000.0, max(8000.0, math.exp(rng.gauss(math.log(52000), 0.45)))), -2)
    if employment == "unemployed":
        income = round(income * 0.35, -2)
    debt_ratio = round(min(0.95, max(0.0, rng.betavariate(2.2, 5.0))), 3)
    credit_history_years = min(40, max(0, int(round(rng.gammavariate(2.5, 3.6)))))
    logit = (
        1.9 * math.log(income / 45000)
        - 6.0 * (debt_ratio - 0.3)
        + 0.09 * (credit_history_years - 8)
        + EMPLOYMENT_EFFECT[employment]
        + (MALE_EFFECT if sex == "male" else 0.0)
        - 0.05
    )
    approved = rng.random() < 1 / (1 + math.exp(-logit))
    return [f"{income:.0f}", f"{debt_ratio:.3f}", str(credit_history_years), employment, sex, "approved" if approved else "declined"]


def main() -> int:
    rng = random.Random(SEED)
    rows = [applicant(rng) for _ in range(ROWS)]
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "loans.csv")
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["income", "debt_ratio", "credit_history_years", "employment", "sex", "decision"])
        w.writerows(rows)
    os.replace(tmp, path)
    for sex in ("female", "male"):
        group = [r for r in rows if r[4] == sex]
        rate = sum(r[5] == "approved" for r in group) / len(group)
        print(f"{sex}: {len(group)} rows, {rate:.3f} approved", file=sys.stderr)
    print(f"wrote {path}: {len(rows)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
