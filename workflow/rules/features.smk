rule features:
    """Frames x features of one representation for one part of a dataset (a device, or a slice
    of an external dataset), with file offsets and per-frame energy, as a zarr store."""
    input:
        manifest="results/manifest/{dataset}.tsv",
    output:
        store=directory("results/features/{dataset}/{representation}/{part}.zarr"),
        excluded="results/features/{dataset}/{representation}/{part}.excluded.tsv",
    params:
        params=lambda wildcards: representation_params(wildcards.representation),
        audio=config["audio"],
    log:
        "results/logs/features/{dataset}/{representation}/{part}.log",
    benchmark:
        "results/benchmarks/features/{dataset}/{representation}/{part}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: 1
    resources:
        mem_mb=features_mem_mb,
        runtime=features_runtime,
    script:
        "../scripts/features.py"
