"""The workflow's deterministic UMAP initialisation against umap-learn's own, on the same windows.

    .venv/bin/python -m benchmarks.umap_init [--samples 'results/samples/*/stack*/*.tsv'] [--runs 2]

For every sample table given (default: the demo's, after ``bin/demo``): the windows the umap rule
fits (gathered from the feature stores, PCA as ``config/config.yaml`` sets it), their exact
neighbours, then the map drawn three ways in this process, each with the config's seed and
``n_neighbors``:

* baseline: umap-learn's own ``init="spectral"`` with the same precomputed neighbours, fitted
  ``--runs`` times (it differs between fits when the graph has several components);
* ours: :func:`audio_umaps.umap.fit_umap`, the deterministic initialisation, fitted twice.

Printed per map: windows, graph components, trustworthiness (15 neighbours, scikit-learn) of
ours and of each baseline fit, their difference (ours minus the baselines' mean), whether each
method gave identical coordinates on its repeated fits, and the fit times.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import time
import warnings

import numpy as np
import yaml

from benchmarks.common import ROOT


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default=str(ROOT / "results/samples/*/stack*/*.tsv"))
    parser.add_argument("--config", default=str(ROOT / "config/config.yaml"))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)

    from scipy.sparse.csgraph import connected_components
    from sklearn.manifold import trustworthiness

    from audio_umaps import neighbours, tables
    from audio_umaps import umap as umap_step

    config = yaml.safe_load(open(args.config))
    params = {k: v for k, v in config["umap"].items() if k != "backend"}
    seed, n_neighbors = params.pop("seed"), params.pop("n_neighbors", 15)
    pca = (config.get("neighbours") or {}).get("pca") or {}
    umap = umap_step.import_umap()
    paths = sorted(glob.glob(args.samples))
    if not paths:
        raise SystemExit(f"no sample tables match {args.samples}: run bin/demo first")
    print(
        f"{'map':26s} {'windows':>7s} {'comps':>5s} {'ours':>7s} {'baseline':>15s} {'diff':>7s} "
        f"{'repeats':>15s} {'time ours/base':>15s}"
    )
    diffs = []
    for path in paths:
        sample = tables.read_tsv(path)
        if len(sample) <= n_neighbors:
            continue
        name = path.split("samples/")[-1].removesuffix(".tsv")
        x = umap_step.windows_for_umap(sample, None, pca.get(name.split("/")[0]), seed=seed)
        near = neighbours.knn(x, k=n_neighbors)
        fit_params = {**params, "n_neighbors": n_neighbors, "seed": seed, "backend": "umap-learn"}
        start = time.perf_counter()
        ours = [umap_step.fit_umap(x, fit_params, neighbours=near) for _ in range(2)]
        t_ours = (time.perf_counter() - start) / 2
        theirs = []
        start = time.perf_counter()
        for _ in range(args.runs):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reducer = umap.UMAP(
                    n_neighbors=n_neighbors, random_state=seed, n_jobs=1, precomputed_knn=(*near, None), **params
                )
                theirs.append(reducer.fit_transform(x))
        t_theirs = (time.perf_counter() - start) / args.runs
        components = connected_components(reducer.graph_, directed=False)[0]
        trust = trustworthiness(x, ours[0], n_neighbors=15)
        base = [trustworthiness(x, t, n_neighbors=15) for t in theirs]
        diffs.append(trust - np.mean(base))

        def same(fits):
            return len({hashlib.sha256(np.ascontiguousarray(f).tobytes()).hexdigest() for f in fits}) == 1

        print(
            f"{name:26s} {len(x):7d} {components:5d} {trust:7.4f} "
            f"{','.join(f'{b:.4f}' for b in base):>15s} {diffs[-1]:+7.4f} "
            f"{('yes' if same(ours) else 'NO') + '/' + ('yes' if same(theirs) else 'no'):>15s} "
            f"{t_ours:6.1f}/{t_theirs:4.1f} s",
            flush=True,
        )
    print(
        f"trustworthiness, ours minus baseline: {min(diffs):+.4f} to {max(diffs):+.4f} "
        f"(mean {np.mean(diffs):+.4f}) over {len(diffs)} maps"
    )


if __name__ == "__main__":
    main()
