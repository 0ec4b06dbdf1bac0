"""Pictures: training curves now; landmark animations and evaluation plots later."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def plot_progress(metrics_csv: str | Path, png: str | Path) -> None:
    """Loss (train, val) and val score against step, written atomically to `png`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    table = pd.read_csv(metrics_csv)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    if table.train_loss.notna().any():
        left.plot(table.step, table.train_loss, label="train loss")
    left.plot(table.step, table.val_loss, label="val loss")
    left.set_xlabel("step"), left.set_ylabel("loss"), left.legend()
    right.plot(table.step, table.val_score, color="tab:green", label="val score (N - D) / N")
    right.set_xlabel("step"), right.set_ylim(min(0.0, table.val_score.min()), 1.0), right.legend()
    figure.tight_layout()
    tmp = Path(str(png) + ".tmp.png")
    figure.savefig(tmp, dpi=90)
    plt.close(figure)
    os.replace(tmp, png)
