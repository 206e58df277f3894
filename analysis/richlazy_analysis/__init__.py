"""richlazy_analysis: read richlazy results cubes and draw the paper's figures from them.

Why a package and not notebook code: the notebooks (fig1, fig2, fig3, theorem1,
sweep_health) and the tests share one reader, one set of statistics and one set
of plots, so a figure and the numbers quoted beside it cannot disagree.
Use: `pip install -e analysis` (pyproject.toml; README "Analysis" shows a virtual
environment on Debian's packages), then `from richlazy_analysis import *`.
Needs numpy, pandas, xarray (+ netCDF4), scipy and matplotlib.
Modules: sweep (open_sweep and axis helpers), stats (Spearman trends, effect
sizes; their seed-level versions and multiple-comparison corrections), plots (the standard figures), dumps (saved networks and their spectra).
"""
from .dumps import effective_rank, eigenvalues, find_richlazy, open_dump, write_dumps
from .plots import (label, mean_ci, plot_curve, plot_grid, plot_loss_curves, plot_paired,
                    plot_spectra, plot_spectrum, plot_status, plot_vs, plot_vs_null,
                    plot_wall_time, save_figure)
from .stats import (LEARNED_SHARE, bh_adjust, bootstrap_interval, bootstrap_mean_interval,
                    cohen_d, effect_sizes, holm_adjust, learned_counts, learned_mask,
                    paired_effects, seed_trends, spearman_trends, welch_interval, wilcoxon_p)
from .sweep import (STATUS_NAMES, axes, curves, failures, find_axis, finished, items, measures,
                    open_sweep, rank_axis, results_path, status_counts, values)

__all__ = [
    "STATUS_NAMES", "axes", "curves", "failures", "find_axis", "finished", "items", "measures",
    "open_sweep", "rank_axis", "results_path", "status_counts", "values",
    "LEARNED_SHARE", "bh_adjust", "bootstrap_interval", "bootstrap_mean_interval", "cohen_d",
    "effect_sizes", "holm_adjust", "learned_counts", "learned_mask", "paired_effects",
    "seed_trends", "spearman_trends", "welch_interval", "wilcoxon_p",
    "label", "mean_ci", "plot_curve", "plot_grid", "plot_loss_curves", "plot_paired", "plot_spectra",
    "plot_spectrum", "plot_status", "plot_vs", "plot_vs_null", "plot_wall_time", "save_figure",
    "effective_rank", "eigenvalues", "find_richlazy", "open_dump", "write_dumps",
]
