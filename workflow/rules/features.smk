rule features:
    """Frames x features of one representation for one part of a dataset (a device, or a slice
    of an external dataset), with file offsets and per-frame energy, as a zarr store."""
    input:
        manifest="results/manifest/{dataset}.tsv",
    output:
        store=directory("results/features/{dataset}/{representation}/{part}.zarr"),
        excluded="results/features/{dataset}/{representation}/{part}.excluded.tsv",
    wildcard_constraints:
        representation="|".join(r for r in REPRESENTATIONS if r != L3) or "(?!)",
    params:
        representation=lambda wildcards: wildcards.representation,
        params=lambda wildcards: representation_params(wildcards.representation),
        audio=config["audio"],
    log:
        "results/logs/features/{dataset}/{representation}/{part}.log",
    benchmark:
        "results/benchmarks/features/{dataset}/{representation}/{part}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: 1
    retries: RETRIES
    resources:
        mem_mb=resource("features", "mem_mb"),
        runtime=resource("features", "runtime"),
    script:
        "../scripts/features.py"


rule features_l3:
    """L3 (OpenL3) embeddings for one part of a dataset, as a zarr store like the other
    representations' (without energy). Runs torchopenl3 in its own environment, on a GPU when
    the job has one; the weights file was checked (or fetched) before any job started."""
    input:
        manifest="results/manifest/{dataset}.tsv",
    output:
        store=directory("results/features/{dataset}/l3/{part}.zarr"),
        excluded="results/features/{dataset}/l3/{part}.excluded.tsv",
    params:
        representation=L3,
        params=lambda wildcards: representation_params(L3),
        audio=config["audio"],
    log:
        "results/logs/features/{dataset}/l3/{part}.log",
    benchmark:
        "results/benchmarks/features/{dataset}/l3/{part}.tsv"
    conda:
        "../../envs/l3.yaml"
    threads: 2
    retries: RETRIES
    resources:
        mem_mb=resource("l3", "mem_mb"),
        runtime=resource("l3", "runtime"),
    script:
        "../scripts/features.py"
